"""Momentum grid aligned with the energy-conserving ladders of the Rashba bands.

The δ-functions of the collision integral connect |p| to |p'| = p (same band),
p' = p ± |α| (between bands: ε_lower(p + |α|) = ε_upper(p)) and, in the lower band
below the crossing (p < |α|), to p' = |α| − p (docs/model.md §3). On the grid

    p_j = (j + ½) h,   h = |α| / n,   n even,   j = 0 … nK − 1,

every one of these partners is again a grid point, so the momenta split into ladders
{x + k|α|}; the ladders with residues x and |α| − x are joined at their bottom rungs.
Ordering the unknowns along these joined ladders ("chains") makes the linear system block
tridiagonal with 4×4 blocks. The top of the grid, p_max = K|α|, lies between rungs.

α = 0 is the degenerate limit: all partners coincide with p, each point is its own chain.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import bands
from .bands import BANDS
from .parameters import ParameterError, PointParams


@dataclass(frozen=True)
class GridSettings:
    """Accuracy settings of the momentum grid (defaults from docs/convergence.md).

    spacing_factor : h ≤ spacing_factor · k_B T / v̄_F (v̄_F = p̄_F in code units)
    rungs_above_fermi : ladder rungs kept above the lower-band Fermi momentum
    thermal_cutoff : the grid extends at least to ε − μ = thermal_cutoff · k_B T
    max_points : refuse grids larger than this (memory/time guard)
    min_residues : fewest ladder residues; the response varies on the scale of |α| along a
        ladder even at high T, and the kink map (degree 2·KINK_ORDER) needs ≥ 4·KINK_ORDER
    angular_coarsening : the factor by which the beyond-Born angles are coarsened (the error
        estimate's grids, ``coarse_settings``)
    coulomb_max_angles : cap of the Coulomb third-order rule, which grows with the potential's
        reach (``kernels.beyond_born.coulomb_rule``); beyond it the estimate flags the points
    """

    spacing_factor: float = 0.75
    rungs_above_fermi: int = 16
    thermal_cutoff: float = 36.0
    max_points: int = 2_000_000
    min_residues: int = 96
    angular_coarsening: int = 1
    coulomb_max_angles: int = 256


@dataclass
class LadderGrid:
    """Momentum grid of one parameter point (code units).

    For α ≠ 0 the momenta are p = x_i + k|α| (j = k n + i) with ladder residues x_i ∈ (0, |α|)
    that are symmetric, x_{n−1−i} = |α| − x_i, with symmetric quadrature weights w_i; every
    momentum on ladder i carries the weight w_i. For α = 0 the residues are the whole grid.
    """

    alpha: float  # signed α (code units)
    residues: np.ndarray  # (n,)
    residue_weights: np.ndarray  # (n,)
    K: int  # rungs per ladder (1 when α = 0)
    mapping: tuple | None = None  # peaks ((θ_c, r, A), ...) of a graded residue set
    angular_coarsening: int = 1  # GridSettings.angular_coarsening of the grid's settings
    coulomb_max_angles: int = GridSettings.coulomb_max_angles  # and its coulomb_max_angles

    def __post_init__(self):
        a = abs(self.alpha)
        k = np.arange(self.K)[:, None]
        self.p = (self.residues[None, :] + a * k).ravel()
        self.weights = np.tile(self.residue_weights, self.K)

    @property
    def n(self) -> int:
        return self.residues.size

    @property
    def size(self) -> int:
        return self.p.size

    @property
    def fermi_spacing(self) -> float:
        """Finest spacing of the residues (at the Fermi surface for a graded set)."""
        return float(np.min(np.diff(self.residues))) if self.n > 1 else float(self.residues[0] * 2)

    @property
    def p_max(self) -> float:
        return self.K * abs(self.alpha) if self.alpha else float(self.p[-1] + self.residue_weights[-1] / 2)

    def band_energy(self, M, p):
        """ε_M(p) of the grid's α (bands.band_energy)."""
        return bands.band_energy(M, p, self.alpha)

    def band_velocity(self, M, p):
        """v_M(p) of the grid's α (bands.band_velocity)."""
        return bands.band_velocity(M, p, self.alpha)

    def chain_position(self) -> np.ndarray:
        """Position of every grid point along the joined ladders (a permutation of 0..N−1)."""
        j = np.arange(self.size)
        n, K = self.n, self.K
        residue, rung = j % n, j // n
        pair = np.minimum(residue, n - 1 - residue)
        in_chain = np.where(residue < n // 2, K - 1 - rung, K + rung)
        return pair * 2 * K + in_chain

    def partners(self, M_out: float, M_in: float):
        """Grid partners p' in band M_in of every p_j in band M_out at equal energy.

        Returns a list of (j, j') index arrays, one per root branch; roots beyond p_max are
        dropped, together with the reverse process, so the truncated operator still conserves
        particles and spin exactly. A root inside the window that is not a grid point is a bug.

        The partner is found on the ladders (same point, a rung up or down, or the paired bottom
        rung |α| − p) and checked by its energy: near the van Hove point p = |α|/2 the two roots
        of the lower band, p and |α| − p, are too close for the root formula to tell apart, so
        there the larger root is the larger of the two, by the residue's half of the ladder.
        """
        E = self.band_energy(M_out, self.p)
        found_roots = list(bands.on_shell_roots(M_in, self.alpha, E))
        both = found_roots[0][2] & found_roots[1][2]  # the lower band below the crossing
        scale = 1e-11 * max(1.0, self.p_max**2)
        roots = []
        for r, (pp, _, ok) in enumerate(found_roots):
            j = np.nonzero(ok)[0]
            jp = self._ladder_partner(j, pp[j])
            if self.alpha != 0:
                double = both[j] & (j < self.n)
                upper_half = (j % self.n) >= self.n // 2  # x_i > |α|/2: p > |α| − p
                itself = upper_half == (r == 0)  # root 0 is the larger one
                jp[double] = np.where(itself[double], j[double], self.n - 1 - j[double])
            inside = pp[j] < self.p_max
            found = (jp >= 0) & (jp < self.size)
            found[found] &= np.abs(self.band_energy(M_in, self.p[jp[found]]) - E[j[found]]) <= scale
            if np.any(~found & inside):
                raise RuntimeError("grid not ladder-aligned: a δ-function root is off the grid")
            roots.append((j[found], jp[found]))
        return roots

    def branches(self):
        """Every transition of the collision integral, as (b, j, j', M, M') per root branch:
        p_j in band M ← p_j' in band M', b = 2(2 i_M + i_M') + root index (``partners``)."""
        out = []
        for iM, M in enumerate(BANDS):
            for iMp, Mp in enumerate(BANDS):
                for r, (j, jp) in enumerate(self.partners(M, Mp)):
                    out.append((2 * (2 * iM + iMp) + r, j, jp, M, Mp))
        return out

    def _ladder_partner(self, j, pp):
        """Candidate index of momentum pp reached from p_j: the same point or one rung up or
        down (the paired bottom rung |α| − p is set by ``partners``), verified there."""
        if self.alpha == 0:
            return j.copy()
        step = np.rint((pp - self.p[j]) / abs(self.alpha)).astype(np.int64)
        return j + step * self.n


# -- residue sets ------------------------------------------------------------------------------
#: graded residues: Poisson-kernel densities of widths w·4^k, w = MAP_WIDTH · (2π k_B T/v̄)/|α|,
#: around ±x_F, each with amplitude A = MAP_AMPLITUDE (docs/convergence.md); the spacing at x_F
#: is then ≈ π (1 + 2ΣA) MAP_WIDTH/(A n) in units of k_B T/v̄, which fixes n from
#: ``spacing_factor``.
MAP_WIDTH = 5.0
MAP_AMPLITUDE = 1.0
#: below this Poisson width the peak is too narrow for double precision (1 − r² loses digits)
MIN_MAP_WIDTH = 1e-9


def _poisson_cdf(t, r):
    """∫_0^t (1 − r²)/(1 − 2r cos s + r²) ds, continuous in t.

    1 − r cos t is written as (1 − r) + 2r sin²(t/2): the peaks are as narrow as 1 − r ~ 1e-9."""
    return t + 2 * np.arctan2(r * np.sin(t), (1 - r) + 2 * r * np.sin(t / 2) ** 2)


def _poisson(t, r):
    """(1 − r²)/(1 − 2r cos t + r²), cancellation-free near t = 0."""
    return (1 - r) * (1 + r) / ((1 - r) ** 2 + 4 * r * np.sin(t / 2) ** 2)


#: order m of the periodising factor S'(ψ) ∝ 1 − cos^{2m} ψ (see ``graded_residues``)
KINK_ORDER = 16


@lru_cache(maxsize=None)
def _kink_coefficients(m: int):
    """cos^{2m} t = c_m + Σ_k b_k cos 2kt with c_m = C(2m, m)/4^m, b_k = 2 C(2m, m−k)/4^m."""
    c = math.comb(2 * m, m) / 4**m
    b = np.array([2 * math.comb(2 * m, m - k) / 4**m for k in range(1, m + 1)])
    return c, b


def kink_map(u, m: int = KINK_ORDER):
    """S(u) and S'(u) = (1 − cos^{2m} u)/(1 − c_m): odd, S(u) − u periodic, S(0) = 0, S(π) = π,
    and S' has quadratic zeros at u = 0 and π but is ≈ 1/(1 − c_m) elsewhere."""
    c, b = _kink_coefficients(m)
    k = np.arange(1, m + 1)
    S = u - (np.sin(2 * np.multiply.outer(u, k)) @ (b / (2 * k))) / (1 - c)
    dS = (1 - np.cos(u) ** (2 * m)) / (1 - c)
    return S, dS


@lru_cache(maxsize=256)
def _graded_unit_residues(peaks, n: int):
    """θ_i and the weight factors S'(u_i)/Ψ'(θ_i) of ``graded_residues`` (cached: a τ sweep
    at fixed α and T reuses them)."""
    u = 2 * np.pi * (np.arange(n) + 0.5) / n
    target, dS = kink_map(u)
    if peaks:
        c, r, A = (np.array(v)[:, None, None] for v in zip(*peaks))  # (peak, ±, 1)
        c = c * np.array([1.0, -1.0])[None, :, None]
    norm = 1 + 2 * sum(A for _, _, A in peaks)

    def psi(th):
        return (th + (np.sum(A * _poisson_cdf(th - c, r), axis=(0, 1)) if peaks else 0)) / norm

    def dpsi(th):
        return (1 + (np.sum(A * _poisson(th - c, r), axis=(0, 1)) if peaks else 0)) / norm

    lo, hi = np.zeros(n), np.full(n, 2 * np.pi)
    # bisect until the bracket is well inside the narrowest peak, then safeguarded Newton
    narrowest = min((1 - r for _, r, _ in peaks), default=1.0)
    for _ in range(12 + int(math.ceil(math.log2(2 * np.pi / narrowest)))):
        mid = 0.5 * (lo + hi)
        below = psi(mid) < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    th = 0.5 * (lo + hi)
    for _ in range(8):
        th = np.clip(th - (psi(th) - target) / dpsi(th), lo, hi)
    # ψ' reaches 1/width ~ 1e9: judge convergence by the step in θ, not by the residual in ψ
    if np.max(np.abs(psi(th) - target) / dpsi(th)) > 1e-13:
        raise RuntimeError("graded residues: the node equations did not converge")
    th = 0.5 * (th + (2 * np.pi - th[::-1]))  # exact symmetry x_{n−1−i} = a − x_i
    factor = dS / dpsi(th)
    factor = 0.5 * (factor + factor[::-1])  # paired ladders must carry identical weights
    factor *= n / factor.sum()  # Σ w = |α| exactly (the intrinsic part telescopes to it)
    th.setflags(write=False)
    factor.setflags(write=False)
    return th, factor


def graded_residues(a: float, peaks, n: int):
    """Symmetric residues on (0, a) with quadrature weights; spectrally accurate for the ladder sums.

    θ = 2πx/a. Two maps are composed on a uniform midpoint grid u_i = 2π(i + ½)/n:

    * χ = S(u) (``kink_map``) vanishes quadratically in slope at u = 0, π, i.e. at x = 0 (the
      ladder bottom, where the polar measure p dp makes the ladder sums kink) and x = a/2 (the
      van Hove root of the lower band); this turns both kinks into high-order smooth points;
    * θ = Ψ⁻¹(χ), Ψ the normalised cumulative density 1 + Σ_peaks A P_r(θ ∓ θ_c) (Poisson
      kernels, each mirrored to −θ_c), which concentrates nodes at the Fermi features.

    Both maps are odd and analytic, so the rule is the trapezoid rule in u, and the residues are
    symmetric, x_{n−1−i} = a − x_i; weights w_i = (a/n) S'(u_i)/Ψ'(θ_i).
    """
    th, factor = _graded_unit_residues(tuple(peaks), n)
    return th * a / (2 * np.pi), (a / n) * factor


def graded_peaks(theta_F: float, width: float):
    """Poisson peaks at θ_F with widths width·4^k up to O(1), each of amplitude MAP_AMPLITUDE.

    One peak of width w ∝ T has 1/t² tails that meet the background in a region that sharpens
    as T → 0 and spoils the trapezoid rule's convergence; a geometric stack of widths makes the
    density fall off smoothly (≈ 1/t) from the Fermi feature to the ladder scale, so n grows only
    like log(1/T).
    """
    peaks = []
    while width < 0.5 or not peaks:
        peaks.append((theta_F, 1 - width, MAP_AMPLITUDE))
        width *= 4
    return tuple(peaks)


def uniform_residues(length: float, n: int):
    h = length / n
    return (np.arange(n) + 0.5) * h, np.full(n, h)


def build_grid(point: PointParams, settings: GridSettings = GridSettings()) -> LadderGrid:
    """Ladder-aligned grid resolving k_B T at the Fermi surface (see module docstring)."""
    a = abs(point.alpha_code)
    T = point.temperature
    pbar = point.mean_fermi_momentum
    h_target = settings.spacing_factor * T / pbar
    # the thermal tail of the upper band and the required rungs above the lower Fermi momentum
    p_thermal = math.sqrt(a**2 / 4 + 2 * (1 + settings.thermal_cutoff * T)) + a / 2
    p_rungs = point.fermi_momenta[1] + settings.rungs_above_fermi * a
    p_max = max(p_thermal + a, p_rungs)
    if a == 0:
        N = int(math.ceil(p_max / h_target))
        N += N % 2
        _check_size(point, settings, N)
        x, w = uniform_residues(p_max, N)
        return LadderGrid(alpha=0.0, residues=x, residue_weights=w, K=1,
                          angular_coarsening=settings.angular_coarsening,
                          coulomb_max_angles=settings.coulomb_max_angles)
    K = int(math.ceil(p_max / a))
    width = MAP_WIDTH * 2 * np.pi * (T / pbar) / a
    if width < MIN_MAP_WIDTH:
        raise ParameterError(
            f"temperature={T!r} is too small to resolve in double precision at "
            f"alpha={point.alpha!r}; use temperature ≥ {T * MIN_MAP_WIDTH / width:.2g}")
    if width < 0.5:
        peaks = graded_peaks(2 * np.pi * math.fmod(point.fermi_momenta[0], a) / a, width)
        # spacing at θ_F ≈ π (1 + 2ΣA) MAP_WIDTH/(A_0 n) in units of k_B T/v̄
        n = int(math.ceil(np.pi * (1 + 2 * sum(A for _, _, A in peaks)) * MAP_WIDTH
                          / (peaks[0][2] * settings.spacing_factor)))
    else:  # k_B T is not small against |α|: no Fermi concentration needed
        peaks = ()
        n = int(math.ceil(a / h_target))
    n = max(n, settings.min_residues)
    n += n % 2  # even: the ladders x and |α| − x pair up
    _check_size(point, settings, n * K)
    x, w = graded_residues(a, peaks, n)
    return LadderGrid(alpha=point.alpha_code, residues=x, residue_weights=w, K=K, mapping=peaks,
                      angular_coarsening=settings.angular_coarsening,
                      coulomb_max_angles=settings.coulomb_max_angles)


def _check_size(point: PointParams, settings: GridSettings, size: int):
    if size <= settings.max_points:
        return
    if point.alpha != 0 and size > settings.max_points and abs(point.alpha) < 1e-3:
        raise ParameterError(
            f"alpha={point.alpha!r} is too small for the ladder grid ({size:.3g} points > "
            f"max_points={settings.max_points}); use |alpha| ≥ 1e-3 or alpha=0")
    t_min = point.temperature * size / settings.max_points
    raise ParameterError(
        f"temperature={point.temperature!r} is too small for the momentum grid ({size:.3g} "
        f"points > max_points={settings.max_points}); use temperature ≥ {t_min:.2g}")


def coarse_settings(settings: GridSettings) -> tuple[GridSettings, GridSettings]:
    """Settings of the two grids that the refinement error estimate compares with.

    The quadrature grid has 1.5 × the spacing at the Fermi features and 1/1.5 of the residues
    per ladder period; the cut-off grid has 3 rungs fewer and the same residues. Both have half
    the beyond-Born angles where the rule is coarsened (Coulomb disorder,
    ``kernels.beyond_born.COARSENED``). The estimate is the sum of the two differences: with one grid
    coarser in both spacing and cut-off, a quadrature error and a cut-off error of opposite sign
    cancelled (5.5× underestimate at α = 0.05, Δτ = 0.3, λ_so = 0.1); with the angles halved on
    the quadrature grid alone, a residue error and an angular error did (σ_sH of Coulomb
    disorder, beyond_born, α = 0.02, τ = 744: −1.69e-8 and +1.69e-8, equal to 2.6e-11, a 12.6×
    underestimate). On both grids the angular error would have to cancel twice
    (docs/convergence.md, finding 7)."""
    quadrature = dataclasses.replace(
        settings, spacing_factor=1.5 * settings.spacing_factor,
        min_residues=max(4 * KINK_ORDER, math.ceil(settings.min_residues / 1.5)),
        angular_coarsening=2 * settings.angular_coarsening)
    cutoff = dataclasses.replace(
        settings, rungs_above_fermi=max(2, settings.rungs_above_fermi - 3),
        angular_coarsening=2 * settings.angular_coarsening)
    return quadrature, cutoff
