"""What spinflux reports, in one table, and how each quantity follows from the solution f1.

``TABLE`` names every stored variable once with its CF ``units`` (UDUNITS, "1" for
dimensionless), the unit the dimensionless number is measured in (``unit_label``) and its
``long_name``; ``OBSERVABLES`` are the rows that carry a refinement error ``<name>_error``.

From the harmonic components of f1 (∫d²p/(2π)² → Σ_j w_j p_j/(4π) after the φ integral, w_j the
quadrature weight of the ladder residue of p_j; docs/derivation.md §4), with eE = 1:

    σ_sH   = 8π q_yz = 2 Σ w p² s_z                       [e/8π]   q_yz = Tr∫(p_y/m) f1 σ_z/2
    σ_xx   = (1/4π) Σ w p [2 p n + α (s_φ + s_p)]         [e²/ħ]   v_x = p_x + (α/2)σ_y
    S_y    = (1/4π) Σ w p (s_φ + s_p) / (τ p0)            [eEτp0/ħ²]  (Edelstein)
    torque = Tr∫σ_y St{f1} = (1/2π) Σ w p (X_φ + X_p),  X = St{f1}
    σ_sH,balance = 8π (Tr∫σ_y D − torque)/(2α)            [e/8π]   (balance law, docs/model.md §2)

Source of Eq. 2 (q_yz) and of the two parts of σ_sH: A. Khaetskii, PRL 96, 056602 (2006).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .equation import DRIVES
from .parameters import P0


@dataclass(frozen=True)
class Quantity:
    units: str | None  # CF units; None for strings
    label: str  # the unit the number is measured in ("" for pure numbers)
    long_name: str
    has_error: bool = False


TABLE = {
    "sigma_sH": Quantity("1", "e/8π", "spin Hall conductivity σ_sH = q_yz/E", True),
    "sigma_sH_intrinsic": Quantity("1", "e/8π", "intrinsic (Berry, rotation of ê_φ) part of σ_sH",
                                   True),
    "sigma_sH_acceleration": Quantity("1", "e/8π", "acceleration (∂f0/∂p) part of σ_sH", True),
    "sigma_sH_field_spin_orbit": Quantity(
        "1", "e/8π", "part of σ_sH driven by the spin-orbit term of the applied field: the "
                     "drive i[H_E, f0] and the side-jump corrections of the collision integral",
        True),
    "sigma_sH_side_jump": Quantity(
        "1", "e/8π", "side-jump channel: Born-kernel response to the collision-integral "
                     "corrections of the field's spin-orbit term (energy in the field during a "
                     "collision, coordinate shift)", True),
    "sigma_sH_skew": Quantity(
        "1", "e/8π", "skew-scattering channel: what the third-order kernel adds to σ_sH, less "
                     "sigma_sH_nonconserving", True),
    "sigma_sH_elliott_yafet": Quantity(
        "1", "e/8π", "bare/Elliott–Yafet channel: Born-kernel response to the intrinsic, "
                     "acceleration and field spin-orbit drives (the Born zero at λ = 0)", True),
    "sigma_sH_nonconserving": Quantity(
        "1", "e/8π", "balance-law share −8π τ_nc/(2mα) of the torque τ_nc of the scalar "
                     "third-order kernel, which breaks spin conservation for smooth and coulomb "
                     "disorder (an artefact of the truncation, not skew scattering; 0 for δ)",
        True),
    "sigma_sH_balance": Quantity("1", "e/8π", "σ_sH from the balance law (1/2mα) Tr∫σ_y (D − "
                                              "St{f1}), D the drives (NaN at α = 0)", True),
    "sigma_xx": Quantity("1", "e²/ħ", "charge conductivity σ_xx", True),
    "spin_density_y": Quantity("1", "eEτp0/ħ²", "current-induced spin density S_y (Edelstein)",
                               True),
    "delta_tau": Quantity("1", "", "spin splitting times transport time Δτ/ħ = α p̄_F τ/ħ"),
    "error_estimate": Quantity("1", "e/8π", "refinement error estimate of σ_sH (= sigma_sH_error)"),
    "collision_torque": Quantity("1", "eE/ħ (code units ħ=m=E_F=1)",
                                 "collision torque Tr∫σ_y St{f1}"),
    "collision_torque_nonconserving": Quantity(
        "1", "eE/ħ (code units ħ=m=E_F=1)",
        "torque Tr∫σ_y St3{f1 − δF} of the scalar (λ = 0) third-order kernel on the solution, "
        "δF the rotation of the equilibrium by the field's spin-orbit term"),
    "relative_residual": Quantity("1", "", "max |A f − D| / max |D| of the linear solve"),
    "grid_points": Quantity("1", "", "number of momentum grid points"),
    "validity": Quantity("1", "", "validity flags of the point (0: valid; flag_meanings)"),
    "grid_spacing": Quantity("1", "p0", "momentum grid spacing h at the Fermi features"),
    "momentum_cutoff": Quantity("1", "p0", "upper end of the momentum grid"),
}
OBSERVABLES = tuple(name for name, q in TABLE.items() if q.has_error)
DIAGNOSTICS = tuple(name for name, q in TABLE.items() if not q.has_error)
#: the channels of σ_sH (they add up to it; docs/extrinsic.md §5)
CHANNELS = ("sigma_sH_elliott_yafet", "sigma_sH_side_jump", "sigma_sH_skew",
            "sigma_sH_nonconserving")
#: how the error of every observable is estimated (grid.coarse_settings)
ERROR_METHOD = ("3 × (|value − value on a grid with 1.5× the spacing at the Fermi features and "
                "1/1.5 of the residues per ladder period| + |value − value with 3 rungs fewer|), "
                "both grids with half the third-order angles for coulomb disorder")


#: bit, name and meaning of the validity flags (CF flag_masks/flag_meanings)
VALIDITY_FLAGS = (
    (1, "kinetic_equation_outside_its_domain",
     "E_F τ/ħ < 3: the kinetic equation needs E_F τ ≫ ħ"),
    (2, "unconverged",
     "an error estimate exceeds 1e-3 of its scale: refine the grid (solver settings)"),
)
#: relative size of an error estimate above which a point is flagged unconverged; errors below
#: UNCONVERGED_FLOOR (in the observable's own unit) never flag: values at round-off level
UNCONVERGED = 1e-3
UNCONVERGED_FLOOR = 1e-10


def error_scales(out: dict) -> dict:
    """The scale of every observable against which its error is judged: for the parts of σ_sH
    (which can cancel to zero) the largest drive part of the point, for the others the value."""
    spin_hall = np.max(np.abs([out["sigma_sH_intrinsic"], out["sigma_sH_acceleration"],
                               out["sigma_sH_field_spin_orbit"], out["sigma_sH"]]), axis=0)
    return {name: (spin_hall if name.startswith("sigma_sH") else np.abs(out[name]))
            for name in OBSERVABLES}


def validity(out: dict, points) -> np.ndarray:
    """Validity flags per point (``VALIDITY_FLAGS``); 0 where the point is valid."""
    flags = np.zeros(len(points), dtype=np.int32)
    flags[np.array([p.tau < 3 for p in points])] |= 1
    if "sigma_sH_error" in out:
        scales = error_scales(out)
        for name in OBSERVABLES:
            err = out[name + "_error"]
            bad = (np.isfinite(err) & (err > UNCONVERGED * scales[name])
                   & (err > UNCONVERGED_FLOOR))
            flags[bad] |= 2
    return flags


def error_name(name: str) -> str:
    return f"{name}_error"


#: stored per point: every observable, its error, and the diagnostics (delta_tau among them,
#: a coordinate of the datasets)
STORED = tuple(OBSERVABLES) + tuple(error_name(n) for n in OBSERVABLES) + DIAGNOSTICS


def attributes(name: str) -> dict:
    """CF attributes of a stored observable, diagnostic or error variable."""
    if name in TABLE:
        q = TABLE[name]
        long_name = q.long_name
    else:
        base = name[: -len("_error")]
        q = TABLE[base]
        long_name = f"refinement error estimate of {base}, {ERROR_METHOD}"
    attrs = {"long_name": long_name + (f" [{q.label}]" if q.label else "")}
    if name == "validity":
        attrs["flag_masks"] = np.array([bit for bit, _, _ in VALIDITY_FLAGS], dtype=np.int32)
        attrs["flag_meanings"] = " ".join(flag for _, flag, _ in VALIDITY_FLAGS)
    if q.units is not None:
        attrs["units"] = q.units
    if q.label:
        attrs["unit_label"] = q.label
    return attrs


def evaluate(system, solution) -> dict:
    """Per-point observables of the module docstring, in the units of ``TABLE``, from the
    solution (f, y) of ``equation.LinearSystem.solve``: f the response to the sum of the drives,
    y the adjoint solution, whose product with each drive D_k is that drive's share of σ_sH
    (returned as ``drive:<name>``; the channels need the Born companion, ``channels``)."""
    s = system
    f, y = solution
    St_f = s.collision(f)
    D = s.drive
    w = s.weight * s.p

    seg = s.per_point

    def balance_share(torque):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s.point_alpha != 0, -8 * np.pi * torque / (2 * s.point_alpha), np.nan)

    shares = s.drive_shares(y)  # (points, drives)
    parts = {drive: shares[:, k] for k, drive in enumerate(DRIVES)}
    torque = seg(w * (St_f[:, 1] + St_f[:, 2])) / (2 * np.pi)
    drive_torque = seg(w * (D[:, 1] + D[:, 2])) / (2 * np.pi)
    # the torque on the deviation from the field-rotated equilibrium F(H0 + H_E): a collision
    # integral of H0 + H_E annihilates that equilibrium, and St{δF} is a drive (equation.py)
    X_nc = s.collision(f - s.equilibrium_shift, nonconserving=True)
    torque_nc = seg(w * (X_nc[:, 1] + X_nc[:, 2])) / (2 * np.pi)
    residual = St_f + np.einsum("jab,jb->ja", s.extra, f) - D
    res = s.per_point(np.abs(residual), np.maximum).max(axis=1)
    rhs_scale = s.per_point(np.abs(D), np.maximum).max(axis=1)
    out = {
        "sigma_sH": seg(2 * w * s.p * f[:, 3]),
        "sigma_sH_intrinsic": parts["intrinsic"],
        "sigma_sH_acceleration": parts["acceleration"],
        "sigma_sH_field_spin_orbit": parts["field_spin_orbit"] + parts["side_jump"],
        "sigma_sH_balance": balance_share(torque - drive_torque),
        # 0 at α = 0; + 0.0 makes the exact zero of a kernel without a nonconserving part
        # (−8π · 0/2α = −0) a plain 0 in every output
        "sigma_sH_nonconserving": np.nan_to_num(balance_share(torque_nc)) + 0.0,
        "collision_torque": torque,
        "collision_torque_nonconserving": torque_nc,
        "sigma_xx": seg(w * (2 * s.p * f[:, 0] + s.alpha * (f[:, 1] + f[:, 2]))) / (4 * np.pi),
        "spin_density_y": seg(w * (f[:, 1] + f[:, 2])) / (4 * np.pi) / (s.tau * P0),
        "relative_residual": res / rhs_scale,
        "grid_points": s.grid_points,
    }
    out.update({f"drive:{name}": value for name, value in parts.items()})
    return out


def born_parts(system, y) -> dict:
    """The drive shares ``drive:<name>`` and σ_sH of a Born companion system from its adjoint
    solution alone (no forward solve: the channels need nothing else)."""
    shares = system.drive_shares(y)
    parts = {f"drive:{drive}": shares[:, k] for k, drive in enumerate(DRIVES)}
    parts["sigma_sH"] = sum(parts.values())
    return parts


def channels(own: dict, born: dict) -> dict:
    """The channels of σ_sH (docs/extrinsic.md §5) from a point's observables ``own`` and those
    of its Born companion ``born`` (the same point with kernel "born"; ``own`` itself for the
    born and relaxation kernels). They add up to σ_sH:

    * elliott_yafet = Born response to the intrinsic, acceleration and field spin-orbit drives;
    * side_jump = Born response to the side-jump corrections of the collision integral;
    * nonconserving = balance-law share of the scalar third-order torque (beyond_born);
    * skew = σ_sH − σ_sH(Born) − nonconserving: what the third-order kernel adds.
    """
    ey = born["drive:intrinsic"] + born["drive:acceleration"] + born["drive:field_spin_orbit"]
    return {"sigma_sH_elliott_yafet": ey,
            "sigma_sH_side_jump": born["drive:side_jump"],
            "sigma_sH_skew": own["sigma_sH"] - born["sigma_sH"] - own["sigma_sH_nonconserving"],
            "sigma_sH_nonconserving": own["sigma_sH_nonconserving"]}
