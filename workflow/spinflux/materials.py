"""Material presets: effective mass, the impurity spin-orbit constant λ and a typical Rashba range.

λ is given in the convention of Engel, Halperin and Rashba (EHR), H_so = λ σ·(k × ∇V) with
λ > 0 for conduction electrons of III–V semiconductors [EHR05]; spinflux's `lambda_so` is
−λ_EHR k0² (docs/extrinsic.md §7, docs/units.md). Where no measured value exists, λ is the k·p
(Kane-model) value

    λ = (P²/3) [1/E_g² − 1/(E_g + Δ_so)²],     P² = ħ² E_P / (2 m_e),

[Winkler03, Eq. 6.9 and Table 6.6; the same formula as EHR05's λ for GaAs] with the band
parameters E_g, Δ_so, E_P of [VMR01] (T = 0). For GaAs it gives 5.28 Å², EHR's 5.3 Å².

The Rashba range is an order of magnitude for gated heterostructures, not a material constant:
the Rashba coefficient depends on the structure and the gate (a user's value overrides it).

References
----------
[EHR05] H.-A. Engel, B. I. Halperin, E. I. Rashba, Phys. Rev. Lett. 95, 166605 (2005).
[VMR01] I. Vurgaftman, J. R. Meyer, L. R. Ram-Mohan, J. Appl. Phys. 89, 5815 (2001).
[Winkler03] R. Winkler, Spin-Orbit Coupling Effects in Two-Dimensional Electron and Hole
    Systems (Springer, 2003).
[Nitta97] J. Nitta, T. Akazaki, H. Takayanagi, T. Enoki, Phys. Rev. Lett. 78, 1335 (1997).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    """One preset. Units: effective_mass in m_e, lambda_ehr in Å² (EHR sign), band parameters in
    eV, rashba_range in meV·nm (|α_R|, H_R = α_R(σ_x k_y − σ_y k_x))."""

    name: str
    effective_mass: float
    lambda_ehr: float
    band_gap: float
    split_off: float
    kane_energy: float
    rashba_range: tuple[float, float]
    source: str


#: ħ²/(2 m_e) in eV·Å² (CODATA); used for the k·p value of λ (its test recomputes it from
#: scipy.constants)
HBAR2_OVER_2ME_EV_A2 = 3.80998


def kane_lambda(band_gap: float, split_off: float, kane_energy: float) -> float:
    """λ_EHR in Å² from the Kane model: (P²/3)[1/E_g² − 1/(E_g + Δ_so)²], P² = (ħ²/2m_e) E_P
    [Winkler03, Eq. 6.9]. Arguments in eV."""
    p2 = HBAR2_OVER_2ME_EV_A2 * kane_energy
    return p2 / 3 * (1 / band_gap**2 - 1 / (band_gap + split_off) ** 2)


MATERIALS = {
    "GaAs": Material(
        "GaAs", 0.067, 5.3, 1.519, 0.341, 28.8, (0.1, 5.0),
        "m* = 0.067 m_e and band parameters [VMR01]; λ = 5.3 Å² [EHR05] (k·p: 5.28 Å²); "
        "α_R of GaAs/AlGaAs 2DEGs is small, ≲ 5 meV·nm"),
    "In0.53Ga0.47As": Material(
        "In0.53Ga0.47As", 0.041, round(kane_lambda(0.816, 0.330, 25.3), 1), 0.816, 0.330, 25.3,
        (5.0, 10.0),
        "m* = 0.041 m_e, E_g = 0.816 eV, Δ_so = 0.330 eV, E_P = 25.3 eV (lattice-matched to InP, "
        "[VMR01] with their bowing parameters); λ from the Kane model (23.8 Å²); α_R = 6–10 "
        "meV·nm gate-tuned in InGaAs/InAlAs [Nitta97]"),
    "InAs": Material(
        "InAs", 0.026, round(kane_lambda(0.417, 0.39, 21.5), 1), 0.417, 0.39, 21.5, (5.0, 30.0),
        "m* = 0.026 m_e, E_g = 0.417 eV, Δ_so = 0.39 eV, E_P = 21.5 eV [VMR01]; λ from the Kane "
        "model (115 Å²; [Winkler03] Table 6.6 lists 117.1 Å²); α_R of InAs 2DEGs is of order "
        "5–30 meV·nm"),
}
#: other spellings accepted for a preset
ALIASES = {"InGaAs": "In0.53Ga0.47As", "gaas": "GaAs", "inas": "InAs", "ingaas": "In0.53Ga0.47As"}


def material(name: str) -> Material:
    """The preset called ``name`` (or an alias); raises ValueError naming the choices."""
    key = ALIASES.get(name, name)
    if key not in MATERIALS:
        raise ValueError(f"material={name!r}: one of {', '.join(MATERIALS)} (or "
                         f"{', '.join(ALIASES)})")
    return MATERIALS[key]
