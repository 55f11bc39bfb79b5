"""Several samples in one dataset: the merged datasets of studies in physical units, one study
per sample (docs/units.md §4), stacked along the sample.

A study in physical units describes one sample (density, effective mass, Rashba coefficient),
because at another density p0 and E_F change and a shared mobility axis is a different E_Fτ/ħ
axis for every sample: the dimensionless grid of several samples is not a product grid. Here
the per-sample datasets are put on the axes they share, in physical units where the study gave
them so (mobility or scattering time, temperature in K, λ in Å², lengths in nm), and the
dimensionless values (alpha, tau, Δτ/ħ, …) become coordinates over the sample. Nothing is solved
or interpolated: every value is one the solver computed for that sample.
"""

from __future__ import annotations

import json

import numpy as np

from .units import as_typed

#: what tells samples apart, as the merged datasets' attributes record it: attribute →
#: (coordinate, units, long_name); the first three can be the stacking dimension
IDENTITY = {"sample_density_per_cm2": ("density", "cm-2", "sheet density n of both Rashba bands"),
            "sample_rashba_meV_nm": ("rashba", "meV nm", "Rashba coefficient α_R"),
            "sample_material": ("material", None, "material preset"),
            "sample_effective_mass_me": ("effective_mass", "1", "effective mass m*/m_e")}
#: what follows from the sample (a coordinate over the sample when it differs)
DERIVED = {"sample_fermi_energy_meV": ("fermi_energy", "meV", "Fermi energy E_F"),
           "spinflux_version": ("spinflux_version", None, "spinflux version that solved it"),
           "sample_lambda_ehr_angstrom2": ("lambda_ehr", "angstrom2",
                                           "impurity spin-orbit λ of Engel–Halperin–Rashba")}
RTOL = 1e-9  # physical axis values recomputed from E_F per sample agree to round-off


class SampleError(ValueError):
    """Datasets that cannot be stacked; the message is one line and names the input."""


def _values(values) -> str:
    return ", ".join(f"{v:.6g}" for v in np.ravel(values))


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=RTOL, atol=0, equal_nan=True))
    return bool(np.all(a == b))


def _round(value):
    """A float as a user typed it (units.as_typed); other values as they are."""
    return as_typed(value) if isinstance(value, float) else value


def _check_input(ds, where: str):
    if "samples_from" in ds.attrs:
        raise SampleError(f"{where}: already a stack of samples (from 'spinflux samples'); stack "
                          "the studies' own results/<study>/spin_hall.nc")
    if "sample_density_per_cm2" not in ds.attrs:
        raise SampleError(f"{where}: not a study in physical units (no sample_density_per_cm2 "
                          "attribute); stack the datasets of studies with a 'sample:' block")
    if ds.sizes.get("alpha", 1) != 1:
        raise SampleError(f"{where}: a study in physical units has one alpha; this one has "
                          f"{ds.sizes['alpha']}")


def _shared_axes(datasets, names) -> dict:
    """Each grid dim of the studies (beyond disorder, kernel, alpha) → the coordinate that all
    samples share: the physical one the study was given in, another physical one, or the
    dimensionless dim itself."""
    first = datasets[0]
    dims = [d for d in first.sigma_sH.dims if d not in ("disorder", "kernel", "alpha")]
    from .units import PHYSICAL_AXES, coordinate_of, coordinates_along

    recorded = json.loads(first.attrs.get("config_json", "{}")).get("physical", {}).get("axes", {})
    chosen = {}
    for dim in dims:
        preferred = [coordinate_of(recorded[dim])] if recorded.get(dim) in PHYSICAL_AXES else []
        physical = coordinates_along(dim)
        candidates = list(dict.fromkeys(preferred + list(physical) + [dim]))
        candidates = [c for c in candidates if all(c in ds.coords for ds in datasets)]
        for c in candidates:
            if all(_same(ds[c].values, first[c].values) for ds in datasets[1:]):
                chosen[dim] = c
                break
        else:
            name = preferred[0] if preferred else dim  # the axis as the studies gave it
            i = next(i for i, ds in enumerate(datasets)
                     if not _same(ds[name].values, first[name].values))
            hint = (f"; give it in physical units ({' or '.join(physical)}) so that the "
                    "samples share it" if physical and name == dim else "")
            raise SampleError(f"{names[i]}: axis {name} [{_values(datasets[i][name].values)}] "
                              f"differs from {names[0]}'s [{_values(first[name].values)}]{hint}")
    return chosen


def _check_conditions(datasets, names):
    """The samples of a stack differ in the sample, not in the conditions of the study: same
    temperature, impurity strength and (for one material) λ."""
    first = datasets[0]
    for i, ds in enumerate(datasets[1:], 1):
        material = ds.attrs.get("sample_material")
        for attr, text, hint in (
                ("sample_temperature_K", "temperature [K]",
                 "a temperature series is a grid axis of each study"),
                ("sample_lambda_ehr_angstrom2", "impurity spin-orbit λ [Å²]",
                 f"the {material} preset has one λ: give every study the same λ")):
            if attr == "sample_lambda_ehr_angstrom2" and (
                    material in (None, "custom") or material != first.attrs.get("sample_material")):
                continue  # another material, or a custom one: its own λ
            a, b = ds.attrs.get(attr), first.attrs.get(attr)
            if (a is None) != (b is None) or (a is not None and not _same(a, b)):
                raise SampleError(f"{names[i]}: {text} {a:.6g} differs from {names[0]}'s "
                                  f"{b:.6g}; the samples of a stack share the study's conditions "
                                  f"({hint})" if a is not None and b is not None else
                                  f"{names[i]}: {text} {a} differs from {names[0]}'s {b}")
        name = "fixed_impurity_strength"
        if name in ds and name in first and not _same(ds[name].values, first[name].values):
            for kernel in ds.kernel.values:
                a = ds[name].sel(kernel=kernel).values
                b = first[name].sel(kernel=kernel).values
                if not _same(a, b):
                    raise SampleError(f"{names[i]}: impurity_strength of the {kernel} kernel "
                                      f"{_values(np.unique(a))} differs from {names[0]}'s "
                                      f"{_values(np.unique(b))}; the samples of a stack share "
                                      "the study's conditions")


def stack_dimension(datasets) -> str:
    """``density`` when every sample has its own density, else ``rashba`` when every sample has
    its own Rashba coefficient, else ``sample`` (an index, with the identity as coordinates)."""
    for attr, dim in (("sample_density_per_cm2", "density"), ("sample_rashba_meV_nm", "rashba")):
        values = [_round(ds.attrs[attr]) for ds in datasets]
        if len(set(values)) == len(values):
            return dim
    return "sample"


def stack(datasets: list, names: list[str] | None = None):
    """Stack the merged datasets of one-sample studies in physical units along the sample.

    Parameters
    ----------
    datasets : list of xarray.Dataset
        Merged study datasets (``results/<study>/spin_hall.nc``), each of a study with a
        ``sample:`` block, at least two, of different samples (density, Rashba coefficient,
        material or effective mass), with the same disorders, kernels, axes, temperature and
        impurity strength.
    names : list of str, optional
        How the inputs are named in errors (file names); default ``input 1``, ….

    Returns
    -------
    xarray.Dataset
        Dims: the sample (``stack_dimension``: ``density`` in cm⁻², else ``rashba`` in meV nm,
        else ``sample``; sorted), disorder, kernel, and each grid axis on the coordinate the
        samples share: the physical one where the studies gave it in physical units (e.g.
        ``mobility`` in cm² V⁻¹ s⁻¹, ``temperature_K``), else the dimensionless one. Every other
        coordinate (``alpha``, ``tau``, ``delta_tau``, ``scattering_time``, …) is one per
        sample, as are the sample attributes (Rashba coefficient, E_F, material, …) and the
        provenance (``config_hash``, ``config_json``, ``created``). Data variables and
        coordinates keep their units and long_name.

    Raises
    ------
    SampleError
        One line naming the input: not a physical study, already a stack, the same sample
        twice, different disorders, kernels or conditions, an axis with no values shared by
        all samples.
    """
    import xarray as xr

    names = list(names or [f"input {i + 1}" for i in range(len(datasets))])
    if len(datasets) < 2:
        raise SampleError("stacking needs the datasets of at least two samples")
    for ds, where in zip(datasets, names):
        _check_input(ds, where)
    first = datasets[0]
    for ds, where in zip(datasets[1:], names[1:]):
        if set(ds.sigma_sH.dims) != set(first.sigma_sH.dims):
            raise SampleError(f"{where}: axes {list(ds.sigma_sH.dims)} differ from {names[0]}'s "
                              f"{list(first.sigma_sH.dims)}")
        for dim in ("disorder", "kernel"):
            if list(ds[dim].values) != list(first[dim].values):
                raise SampleError(f"{where}: {dim} {[str(v) for v in ds[dim].values]} differs "
                                  f"from {names[0]}'s {[str(v) for v in first[dim].values]}")
    keys = [tuple(_round(ds.attrs.get(k)) for k in IDENTITY) for ds in datasets]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            n, rashba, material, mass = key
            raise SampleError(f"{names[i]}: the same sample as {names[keys.index(key)]} "
                              f"({material}, m* = {mass:g} m_e, n = {n:g} cm^-2, α_R = "
                              f"{rashba:g} meV nm); stack different samples (another condition, "
                              "e.g. a temperature, is a grid axis of one study)")
    _check_conditions(datasets, names)
    axes = _shared_axes(datasets, names)

    dim = stack_dimension(datasets)
    label = {"density": "sample_density_per_cm2", "rashba": "sample_rashba_meV_nm"}.get(dim)
    order = (np.argsort([_round(ds.attrs[label]) for ds in datasets], kind="stable") if label
             else np.arange(len(datasets)))
    parts = []
    for i in order:
        ds = datasets[i].isel(alpha=0)
        for d, c in axes.items():
            if c != d:
                ds = ds.swap_dims({d: c})
        # one set of labels, at the 12 digits a user typed them with (so that
        # ds.sel(mobility=1e4) finds 9999.999999999998), with their units and long_name
        ds = ds.assign_coords({c: (c, [_round(float(v)) for v in first[c].values], first[c].attrs)
                               if first[c].dtype.kind == "f" else first[c].variable
                               for c in axes.values()})
        ds = ds.sortby([c for d, c in axes.items() if c != d])  # ascending (λ_EHR ∝ −λ_so)
        ds = ds.assign(config_json=((), ds.attrs.get("config_json", ""),
                                    {"long_name": "the sample's study as solved (provenance)"}))
        ds = ds.assign_coords(
            config_hash=((), ds.attrs.get("config_hash", ""),
                         {"long_name": "hash of the sample's study as solved"}),
            created=((), ds.attrs.get("created", ""),
                     {"long_name": "when the sample's study was merged (UTC)"}))
        parts.append(ds)
    out = xr.concat(parts, dim=dim, coords="all", compat="equals",
                    combine_attrs="drop_conflicts", join="exact")
    for key, (coord, units, text) in {**IDENTITY, **DERIVED}.items():
        values = [_round(datasets[i].attrs.get(key)) for i in order]
        if coord == dim:
            continue
        if len({json.dumps(v) for v in values}) > 1 or key in IDENTITY:
            attrs = {"long_name": text} | ({"units": units} if units else {})
            out = out.assign_coords({coord: (dim, values, attrs)})
            out.attrs.pop(key, None)
    if dim == "sample":
        out = out.assign_coords(sample=(dim, np.arange(len(parts)), {"long_name": "sample"}))
    else:
        key = label
        coord, units, text = IDENTITY[key]
        out = out.assign_coords({dim: (dim, [_round(datasets[i].attrs[key]) for i in order],
                                       {"units": units, "long_name": text})})
        out.attrs.pop(key, None)
    out["alpha"].attrs["long_name"] = "Rashba coupling alpha = mα/p0 of the sample"
    out.attrs["title"] = "spinflux: spin Hall conductivity of several samples"
    out.attrs["samples_from"] = json.dumps([names[i] for i in order])
    for attr in ("config_json", "config_hash", "created"):
        out.attrs.pop(attr, None)
    return out
