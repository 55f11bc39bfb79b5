"""Names, CF units and long names of everything spinflux stores (one table for API, CLI, NetCDF).

CF ``units`` are UDUNITS strings ("1" = dimensionless); the physical unit a dimensionless
number is measured in is named in ``long_name`` and in ``unit_label`` (used by tables and plots).
"""

OBSERVABLES = {
    "sigma_sH": ("1", "e/8π", "spin Hall conductivity σ_sH = q_yz/E"),
    "sigma_sH_intrinsic": ("1", "e/8π", "intrinsic (Berry, rotation of ê_φ) part of σ_sH"),
    "sigma_sH_acceleration": ("1", "e/8π", "acceleration (∂f0/∂p) part of σ_sH"),
    "sigma_sH_balance": ("1", "e/8π",
                         "σ_sH from the balance law −(1/2mα) Tr∫σ_y St{f1} (NaN at α = 0)"),
    "sigma_xx": ("1", "e²/ħ", "charge conductivity σ_xx"),
    "spin_density_y": ("1", "eEτp0/ħ²", "current-induced spin density S_y (Edelstein)"),
}

DIAGNOSTICS = {
    "delta_tau": ("1", "", "spin splitting times transport time Δτ/ħ = α p̄_F τ/ħ"),
    "error_estimate": ("1", "e/8π", "refinement error estimate of σ_sH, |σ_sH(h) − σ_sH(2h)|"),
    "collision_torque": ("1", "eE/ħ (code units ħ=m=E_F=1)", "collision torque Tr∫σ_y St{f1}"),
    "relative_residual": ("1", "", "max |A f − D| / max |D| of the linear solve"),
    "grid_points": ("1", "", "number of momentum grid points"),
    "grid_spacing": ("1", "p0", "momentum grid spacing h"),
    "momentum_cutoff": ("1", "p0", "upper end of the momentum grid"),
}

PARAMETERS = {
    "alpha": ("1", "m α/p0", "Rashba coupling"),
    "tau": ("1", "ħ/E_F", "transport time at the mean Fermi momentum"),
    "temperature": ("1", "E_F/k_B", "temperature"),
    "correlation_length": ("1", "ħ/p0", "correlation length R of smooth disorder"),
    "spacer_distance": ("1", "ħ/p0", "spacer distance d of remote (coulomb) impurities"),
    "screening_wavevector": ("1", "p0/ħ", "Thomas–Fermi screening wave vector"),
    "lambda_so": ("1", "λ p0²", "impurity spin-orbit coupling λ (U → U[1 + iλσ_z (p × p')_z])"),
    "impurity_strength": ("1", "", "Born parameter ν U(0) of one impurity, ν = m/2πħ² "
                                   "(beyond_born kernel)"),
    "disorder": (None, "", "disorder type"),
    "kernel": (None, "", "collision kernel"),
}


def error_name(name: str) -> str:
    return f"{name}_error"


def attributes(name: str) -> dict:
    """CF attributes of a stored variable."""
    for table in (OBSERVABLES, DIAGNOSTICS, PARAMETERS):
        if name in table:
            units, label, long_name = table[name]
            break
    else:
        base = name[: -len("_error")]
        units, label, long_name = OBSERVABLES[base]
        long_name = f"refinement error estimate of {base}, |value(h) − value(2h)|"
    attrs = {"long_name": long_name + (f" [{label}]" if label else "")}
    if units is not None:
        attrs["units"] = units
    if label:
        attrs["unit_label"] = label
    return attrs
