"""Several samples in one dataset: the merged datasets of studies in physical units, one study
per sample (docs/units.md §4), stacked along the sample.

A study in physical units describes one sample (density, effective mass, Rashba coefficient),
because at another density p0 and E_F change and a shared mobility axis is a different E_Fτ/ħ
axis for every sample: the dimensionless grid of several samples is not a product grid. Here
the per-sample datasets are put on their shared *physical* axes instead (mobility or scattering
time, temperature in K, λ in Å², lengths in nm), and the dimensionless values (alpha, tau,
Δτ/ħ, …) become coordinates that vary with the sample. Nothing is solved or interpolated: every
value is one the solver computed for that sample.
"""

from __future__ import annotations

import json

import numpy as np

# a dimensionless axis → the physical coordinates that can stand for it (units.physical_coordinates)
PHYSICAL = {"tau": ("mobility", "scattering_time"), "temperature": ("temperature_K",),
            "lambda_so": ("lambda_ehr",), "correlation_length": ("correlation_length_nm",),
            "spacer_distance": ("spacer_distance_nm",),
            "screening_wavevector": ("screening_wavevector_per_nm",)}
# what tells two samples apart, as the merged datasets' attributes record it
SAMPLE_ATTRS = {"sample_density_per_cm2": ("density", "cm-2", "sheet density n of both bands"),
                "sample_rashba_meV_nm": ("rashba", "meV nm", "Rashba coefficient α_R"),
                "sample_material": ("material", None, "material preset"),
                "sample_effective_mass_me": ("effective_mass", "1", "effective mass m*/m_e"),
                "sample_fermi_energy_meV": ("fermi_energy", "meV", "Fermi energy E_F"),
                "sample_temperature_K": ("temperature_K", "K", "temperature"),
                "sample_lambda_ehr_angstrom2": ("lambda_ehr", "angstrom2",
                                                "impurity spin-orbit λ of Engel–Halperin–Rashba")}
RTOL = 1e-9  # physical axis values recomputed from E_F per sample agree to round-off


class SampleError(ValueError):
    """Datasets that cannot be stacked; the message is one line and names the input."""


def _values(values) -> str:
    return ", ".join(f"{v:.6g}" for v in values)


def _physical_axes(ds, where: str) -> dict:
    """The dimensionless dims of one sample's dataset → the physical coordinate its study gave
    (the study records it); a dim given dimensionless stays as it is."""
    if "sample_density_per_cm2" not in ds.attrs:
        raise SampleError(f"{where}: not a study in physical units (no sample_density_per_cm2 "
                          "attribute); stack the datasets of studies with a 'sample:' block")
    recorded = json.loads(ds.attrs.get("config_json", "{}")).get("physical", {}).get("axes", {})
    return {dim: name for dim, name in recorded.items() if dim in ds.dims}


def _on_physical_axes(ds, axes: dict):
    """One sample's dataset with its physical coordinates as dims and its single alpha dropped
    into a scalar coordinate."""
    if ds.sizes.get("alpha", 1) != 1:
        raise SampleError("a study in physical units has one alpha; this one has "
                          f"{ds.sizes['alpha']}")
    ds = ds.isel(alpha=0)
    for dim, name in axes.items():
        ds = ds.swap_dims({dim: name})
    return ds


def stack(datasets: list, names: list[str] | None = None):
    """Stack the merged datasets of one-sample studies in physical units along the sample.

    Parameters
    ----------
    datasets : list of xarray.Dataset
        Merged study datasets (``results/<study>/spin_hall.nc``), each of a study with a
        ``sample:`` block, at least two, of different samples (density, Rashba coefficient,
        material or effective mass), with the same disorders, kernels and physical axes.
    names : list of str, optional
        How the inputs are named in errors (file names); default ``input 1``, ….

    Returns
    -------
    xarray.Dataset
        Dims ``density`` (cm⁻², sorted; when the densities differ, else ``sample``), disorder,
        kernel and the studies' physical axes (e.g. ``mobility`` in cm² V⁻¹ s⁻¹) in place of the
        dimensionless ones. ``alpha``, ``tau``, ``delta_tau`` and the fixed dimensionless
        parameters become coordinates along the sample; so do the sample attributes that
        differ (Rashba coefficient, E_F, …). Every data variable keeps its units and long_name.

    Raises
    ------
    SampleError
        One line naming the input: not a physical study, the same sample twice, a physical
        axis (or a dimensionless axis given without units) that differs between samples,
        different disorders or kernels.
    """
    import xarray as xr

    names = names or [f"input {i + 1}" for i in range(len(datasets))]
    if len(datasets) < 2:
        raise SampleError("stacking needs the datasets of at least two samples")
    parts = []
    axes0 = None
    for ds, where in zip(datasets, names):
        axes = _physical_axes(ds, where)
        if axes0 is None:
            axes0, first = axes, ds
        elif axes != axes0:
            raise SampleError(f"{where}: physical axes {axes} differ from {names[0]}'s {axes0}; "
                              "give every study the same axes in the same units")
        for dim in ("disorder", "kernel"):
            if list(ds[dim].values) != list(first[dim].values):
                raise SampleError(f"{where}: {dim} {list(ds[dim].values)} differs from "
                                  f"{names[0]}'s {list(first[dim].values)}")
        for dim in ds.dims:
            if dim in ("disorder", "kernel", "alpha"):
                continue
            name = axes.get(dim, dim)
            a, b = ds[name].values, first[name].values
            if a.shape != b.shape or not np.allclose(a, b, rtol=RTOL, atol=0):
                hint = (f"; give it in physical units ({' or '.join(PHYSICAL[dim])}) so that the "
                        "samples share it" if dim not in axes and dim in PHYSICAL else "")
                raise SampleError(f"{where}: axis {name} [{_values(a)}] differs from "
                                  f"{names[0]}'s [{_values(b)}]{hint}")
        part = _on_physical_axes(ds, axes)
        # the same physical value recomputed from each sample's E_F: one set of labels, at the
        # 12 digits a user typed them with (so that ds.sel(mobility=1e4) finds 9999.999999999998)
        part = part.assign_coords({axes[d]: [float(f"{v:.12g}") for v in first[axes[d]].values]
                                   for d in axes})
        parts.append(part)

    identity = {}
    for key, (coord, units, text) in SAMPLE_ATTRS.items():
        values = [ds.attrs.get(key) for ds in datasets]
        if len({json.dumps(v) for v in values}) > 1:
            identity[key] = values
    keys = [tuple(ds.attrs.get(k) for k in ("sample_density_per_cm2", "sample_rashba_meV_nm",
                                             "sample_material", "sample_effective_mass_me"))
            for ds in datasets]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            n, rashba, material, mass = key
            raise SampleError(f"{names[i]}: the same sample as {names[keys.index(key)]} "
                              f"({material}, m* = {mass:g} m_e, n = {n:g} cm^-2, "
                              f"α_R = {rashba:.6g} meV nm); stack different samples")

    densities = [ds.attrs["sample_density_per_cm2"] for ds in datasets]
    by_density = len(set(densities)) == len(densities)
    dim = "density" if by_density else "sample"
    order = np.argsort(densities, kind="stable") if by_density else np.arange(len(datasets))
    parts = [parts[i] for i in order]
    out = xr.concat(parts, dim=dim, coords="different", compat="equals",
                    combine_attrs="drop_conflicts", join="exact")
    for key, values in identity.items():
        coord, units, text = SAMPLE_ATTRS[key]
        if coord == "density" and by_density:
            continue
        attrs = {"long_name": text} | ({"units": units} if units else {})
        out = out.assign_coords({coord: (dim, [values[i] for i in order], attrs)})
        out.attrs.pop(key, None)
    if by_density:
        out = out.assign_coords(density=(dim, [densities[i] for i in order],
                                         {"units": "cm-2", "long_name": "sheet density n of "
                                                                        "both Rashba bands"}))
    else:
        out = out.assign_coords(sample=(dim, np.arange(len(parts)), {"long_name": "sample"}))
    out["alpha"].attrs.setdefault("long_name", "Rashba coupling alpha = mα/p0 of the sample")
    out.attrs["title"] = "spinflux: spin Hall conductivity of several samples"
    out.attrs["samples_from"] = json.dumps([names[i] for i in order])
    for attr in ("config_json", "config_hash", "study"):
        out.attrs.pop(attr, None)
    return out
