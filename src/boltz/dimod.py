r"""Optional `dimod <https://docs.ocean.dwavesys.com/projects/dimod>`_ interface.

:class:`AnnealingSampler` is a :class:`dimod.Sampler` that runs :class:`boltz.Annealer` on any
:class:`dimod.BinaryQuadraticModel`, so boltz plugs into the Ocean ecosystem (composites,
``sample_ising``, ``sample_qubo``, :class:`dimod.SampleSet` post-processing).
:class:`SteepestDescentSampler` runs :func:`boltz.descend` (steepest single-spin-flip descent
to local minima): from random states, or to polish another sampler's samples passed as
``initial_states``; :class:`SteepestDescentComposite` does that to every sample of a child
sampler.

Sign convention
---------------
dimod writes the energy of a SPIN model as

.. math:: E(s) = \sum_i h_i s_i + \sum_{i<j} J_{ij} s_i s_j + \text{offset},

whereas :class:`boltz.IsingModel` uses

.. math:: E(s) = -\sum_{i<j} J_{ij} s_i s_j - \sum_i h_i s_i + \text{offset}.

The conversion happens here and only here: boltz ``J = -J_dimod``, boltz ``h = -h_dimod``,
the offset is unchanged. The energies in the returned sample set are computed by dimod from
the original model, in the original vartype.

Needs the ``dimod`` package (``pip install 'boltz[dimod]'``).
"""
from __future__ import annotations

try:
    import dimod
except ImportError as err:  # pragma: no cover - exercised only without dimod
    raise ImportError("boltz.dimod needs the dimod package: pip install 'boltz[dimod]'") from err

import warnings
from collections.abc import Hashable, Sequence
from typing import ClassVar

import numpy as np

from boltz._core._random import uniform_spins
from boltz._memory import check_allocation
from boltz._random import RandomStreams, SeedLike
from boltz._validation import check_bool, check_choice, check_positive_int, resolve_num_threads
from boltz.spin._chains import check_start
from boltz.spin.annealing import Annealer
from boltz.spin.descent import descend
from boltz.spin.ising_model import IsingModel

__all__ = ["AnnealingSampler", "SteepestDescentComposite", "SteepestDescentSampler",
           "bqm_to_ising_model"]

_ComplexWarning = getattr(np, "exceptions", np).ComplexWarning

# Keyword arguments of AnnealingSampler.sample that go to boltz.Annealer(...).
_ANNEALER_PARAMETERS = ("num_sweeps", "schedule", "beta_range", "num_sweeps_per_beta",
                        "method", "order", "num_cycles", "reheat_beta", "num_threads",
                        "polish", "multispin")


def bqm_to_ising_model(bqm: dimod.BinaryQuadraticModel,
                       variable_order: Sequence[Hashable] | None = None
                       ) -> tuple[IsingModel, list]:
    """Convert a dimod binary quadratic model to a :class:`boltz.IsingModel`.

    BINARY models are first converted to SPIN (``x = (s + 1) / 2``); then the signs of the
    linear and quadratic biases are flipped to boltz's convention (boltz ``J = -J_dimod``,
    ``h = -h_dimod``), and the offset of the SPIN model is kept as is, so that
    ``model.energy(s) == bqm.spin.energies(s)`` for every spin state ``s``.

    Parameters
    ----------
    bqm : dimod.BinaryQuadraticModel
        SPIN or BINARY, with at least one variable.
    variable_order : sequence, optional
        Labels in the order of the model's spins (default ``list(bqm.variables)``).

    Returns
    -------
    model : IsingModel
    labels : list
        ``labels[i]`` is the bqm variable of spin ``i``.
    """
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel, got {type(bqm).__name__}")
    labels = list(bqm.variables) if variable_order is None else list(variable_order)
    if len(labels) != len(bqm.variables) or set(labels) != set(bqm.variables):
        raise ValueError("variable_order must list each variable of the bqm exactly once")
    if not labels:
        raise ValueError("the bqm has no variables: there is no Ising model to build")
    spin = bqm.change_vartype(dimod.SPIN, inplace=False)
    linear, (irow, icol, quad), offset = spin.to_numpy_vectors(variable_order=labels)
    model = IsingModel(
        (np.asarray(irow, dtype=np.int64), np.asarray(icol, dtype=np.int64),
         -np.asarray(quad, dtype=np.float64)),
        h=-np.asarray(linear, dtype=np.float64),
        offset=float(offset),
        num_spins=len(labels),
    )
    return model, labels


class AnnealingSampler(dimod.Sampler):
    r"""boltz's simulated annealer (:class:`boltz.Annealer`) as a :class:`dimod.Sampler`.

    Accepts any :class:`dimod.BinaryQuadraticModel`, SPIN or BINARY, with arbitrary hashable
    variable labels; the returned :class:`dimod.SampleSet` has the vartype and variables of
    the input model, and energies computed by dimod from it.

    **Sign convention.** dimod's energy is
    :math:`E = \sum_i h_i s_i + \sum_{i<j} J_{ij} s_i s_j + \text{offset}` while boltz's is
    :math:`E = -\sum_{i<j} J_{ij} s_i s_j - \sum_i h_i s_i + \text{offset}`. The sampler
    converts at its boundary only: a BINARY model is first changed to SPIN, then boltz
    ``J = -J_dimod`` and ``h = -h_dimod`` (offset unchanged). Users pass and receive
    dimod-convention models and samples; no sign flip is needed on either side.

    Examples
    --------
    >>> import dimod
    >>> from boltz.dimod import AnnealingSampler
    >>> bqm = dimod.BinaryQuadraticModel.from_ising({"a": 1.0}, {("a", "b"): -1.0})
    >>> sampleset = AnnealingSampler().sample(bqm, num_reads=4, seed=0)
    >>> {v: int(x) for v, x in sampleset.first.sample.items()}
    {'a': -1, 'b': -1}
    >>> float(sampleset.first.energy)
    -2.0
    """

    #: Ranged/option-valued parameters refer to the property holding their options.
    _parameters: ClassVar[dict[str, list[str]]] = {
        "num_reads": [],
        "num_sweeps": [],
        "schedule": ["beta_schedule_options"],
        "beta_range": [],
        "num_sweeps_per_beta": [],
        "method": ["method_options"],
        "order": ["order_options"],
        "num_cycles": [],
        "reheat_beta": [],
        "multispin": [],
        "seed": [],
        "initial_states": [],
        "num_threads": [],
        "return_best": [],
        "aggregate": [],
        "beta_schedule_type": ["beta_schedule_options"],
        "beta_schedule": [],
        "polish": [],
    }

    def __init__(self):
        self._properties = {
            "beta_schedule_options": ("geometric", "linear", "custom"),
            "method_options": ("metropolis", "gibbs"),
            "order_options": ("sequential", "random"),
            "category": "software",
        }

    @property
    def parameters(self) -> dict[str, list[str]]:
        """dict: Keyword arguments accepted by :meth:`sample`, each mapped to a list of the
        :attr:`properties` keys relevant to it (dimod's convention)."""
        return {name: list(rel) for name, rel in self._parameters.items()}

    @property
    def properties(self) -> dict[str, object]:
        """dict: ``beta_schedule_options`` (``"custom"`` means an array of betas passed as
        `schedule`), ``method_options``, ``order_options`` and ``category``
        (``"software"``)."""
        return dict(self._properties)

    def sample(self, bqm: dimod.BinaryQuadraticModel, num_reads: int | None = None,
               seed: SeedLike = None, initial_states: object = None, *,
               return_best: bool = False, aggregate: bool = False,
               beta_schedule_type: str | None = None, beta_schedule: object = None,
               **annealer_parameters: object) -> dimod.SampleSet:
        r"""Anneal a binary quadratic model.

        The model is converted to a :class:`boltz.IsingModel` (BINARY → SPIN, then boltz
        ``J = -J_dimod``, ``h = -h_dimod``, offset unchanged; variables are numbered in
        ``bqm.variables`` order), annealed by :class:`boltz.Annealer`, and the spins are
        mapped back to the model's vartype (``x = (s + 1) / 2`` for BINARY).

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            SPIN or BINARY; any hashable variable labels.
        num_reads : int, optional
            Independent anneals, >= 1. Default: the number of `initial_states` if given,
            else 10.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
            Seed of boltz's random streams; a fixed seed gives reproducible results.
        initial_states : samples-like, optional
            Starting states, in any form :func:`dimod.as_samples` accepts (a dict, a list of
            dicts, an array with labels, a :class:`dimod.SampleSet`, ...), over exactly the
            model's variables, with values in the model's vartype (0/1 for BINARY, -1/+1 for
            SPIN; a SampleSet in the other vartype is converted). Either one state, used by
            every read, or one per read. Default: uniformly random.
        return_best : bool
            False (default): each read's final state, a sample of the schedule's end, as
            dwave-samplers' ``SimulatedAnnealingSampler`` returns. True: each read's
            lowest-energy state seen (boltz 0.1's behaviour).
        aggregate : bool
            Merge identical samples, counting them in ``num_occurrences``.
        beta_schedule_type : {"geometric", "linear", "custom"}, optional
            dwave-samplers' name of `schedule`; ``"custom"`` takes the betas from
            `beta_schedule`. Give one of the two names, not both.
        beta_schedule : array_like, optional
            The betas of a ``"custom"`` schedule (dwave-samplers' name).
        **annealer_parameters
            Passed to :class:`boltz.Annealer`: ``num_sweeps``, ``schedule`` (``"geometric"``,
            ``"linear"`` or an array of betas), ``beta_range`` (hot, cold), ``num_sweeps_per_beta``,
            ``method`` (``"metropolis"``, ``"gibbs"``), ``order`` (``"sequential"``,
            ``"random"``), ``num_cycles``, ``reheat_beta``, ``num_threads``, ``polish``
            (descend each read to a local minimum after the anneal), ``multispin`` (64
            reads per machine word, for ±J models). Inverse temperatures
            refer to the energy scale of the SPIN form of the model.

        Returns
        -------
        dimod.SampleSet
            One row per read (its final state, or its best with `return_best`; identical
            rows merged with `aggregate`), in the model's vartype and variables. ``info``
            holds ``beta_range``, ``beta_schedule_type``, ``num_sweeps``, ``num_cycles``,
            ``seconds`` (annealing wall time), ``spin_updates_per_second`` and
            ``interrupted``. An empty model gives `num_reads` empty samples of energy
            ``bqm.offset``.

        Raises
        ------
        TypeError
            For a keyword argument not listed in :attr:`parameters`, or a `bqm` that is not
            a binary quadratic model.
        ValueError
            For `initial_states` that do not match the model's variables or vartype, or
            invalid annealing parameters.
        """
        unknown = sorted(set(annealer_parameters) - set(_ANNEALER_PARAMETERS))
        if unknown:
            raise TypeError(f"{type(self).__name__}.sample() got unknown keyword argument(s) "
                            f"{', '.join(map(repr, unknown))}; accepted: "
                            f"{', '.join(self._parameters)}")
        if not isinstance(bqm, dimod.BinaryQuadraticModel):
            raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel, "
                            f"got {type(bqm).__name__}")
        return_best = check_bool(return_best, "return_best")
        aggregate = check_bool(aggregate, "aggregate")
        annealer_parameters = self._schedule_alias(annealer_parameters, beta_schedule_type,
                                                   beta_schedule)

        labels = list(bqm.variables)
        spins0 = None
        if initial_states is not None:
            spins0 = _initial_spins(bqm, labels, initial_states)
        if num_reads is None:
            num_reads = 10 if spins0 is None else spins0.shape[0]

        if not labels:
            # Nothing to anneal; still check num_reads the way boltz would.
            num_reads = check_positive_int(num_reads, "num_reads")
            check_allocation(32 * num_reads, f"num_reads={num_reads}",
                             "the sample set's energies and counts")
            samples = np.empty((num_reads, 0), dtype=np.int8)
            info = {"beta_range": None, "beta_schedule_type": self._schedule_type(
                annealer_parameters.get("schedule", "geometric")), "num_sweeps": 0,
                "num_cycles": 0, "seconds": 0.0, "spin_updates_per_second": 0.0,
                "interrupted": False}
            return _aggregated(_sampleset(bqm, samples, labels, info), aggregate)

        model, labels = bqm_to_ising_model(bqm, labels)
        annealer = Annealer(**annealer_parameters)
        result = annealer.sample(model, num_reads=num_reads, seed=seed,
                                 initial_states=spins0)

        samples = result.states if return_best else result.final_states
        ri = result.info
        info = {
            "beta_range": tuple(float(b) for b in ri["beta_range"]),
            "beta_schedule_type": self._schedule_type(annealer.schedule),
            "num_sweeps": ri["num_sweeps"],
            "num_cycles": ri["num_cycles"],
            "seconds": ri["seconds"],
            "spin_updates_per_second": ri["spin_updates_per_second"],
            "interrupted": ri["interrupted"],
        }
        return _aggregated(_sampleset(bqm, samples, labels, info), aggregate)

    @staticmethod
    def _schedule_alias(parameters, schedule_type, betas):
        """`parameters` with dwave-samplers' beta_schedule_type / beta_schedule turned into
        boltz's `schedule`."""
        if schedule_type is None:
            if betas is not None:
                raise ValueError("beta_schedule needs beta_schedule_type='custom'")
            return parameters
        if "schedule" in parameters:
            raise ValueError("give schedule or beta_schedule_type (its dwave-samplers "
                             "name), not both")
        kind = check_choice(schedule_type, "beta_schedule_type",
                            ("geometric", "linear", "custom"))
        if (kind == "custom") != (betas is not None):
            raise ValueError("beta_schedule_type='custom' takes its betas from "
                             "beta_schedule, and only it does")
        return {**parameters, "schedule": betas if kind == "custom" else kind}

    @staticmethod
    def _schedule_type(schedule):
        return schedule if isinstance(schedule, str) else "custom"


class SteepestDescentSampler(dimod.Sampler):
    r"""Steepest single-spin-flip descent (:func:`boltz.descend`) as a :class:`dimod.Sampler`.

    Each read starts from a state (given, or uniformly random) and repeatedly flips the
    variable whose flip lowers the energy most, the first in ``bqm.variables`` order among
    equal ones, until no flip lowers it: the samples are 1-flip local minima. The name and
    the arguments follow dwave-samplers' ``SteepestDescentSampler``; the usual use is to
    polish another sampler's samples: ``SteepestDescentSampler().sample(bqm,
    initial_states=sampleset)``. The model is converted as by :class:`AnnealingSampler`
    (dimod's signs at the boundary only; energies computed by dimod from `bqm`).

    Examples
    --------
    >>> import dimod
    >>> from boltz.dimod import SteepestDescentSampler
    >>> bqm = dimod.BinaryQuadraticModel.from_ising({}, {("a", "b"): -1.0, ("b", "c"): -1.0})
    >>> sampleset = SteepestDescentSampler().sample(bqm, initial_states={"a": 1, "b": -1,
    ...                                                                   "c": 1})
    >>> {v: int(x) for v, x in sampleset.first.sample.items()}, float(sampleset.first.energy)
    ({'a': 1, 'b': 1, 'c': 1}, -2.0)
    """

    _parameters: ClassVar[dict[str, list[str]]] = {
        "num_reads": [], "initial_states": [], "seed": [], "num_threads": []}

    def __init__(self) -> None:
        self._properties = {"category": "software"}

    @property
    def parameters(self) -> dict[str, list[str]]:
        """dict: Keyword arguments accepted by :meth:`sample` (dimod's convention)."""
        return {name: list(rel) for name, rel in self._parameters.items()}

    @property
    def properties(self) -> dict[str, object]:
        """dict: ``category`` (``"software"``)."""
        return dict(self._properties)

    def sample(self, bqm: dimod.BinaryQuadraticModel, num_reads: int | None = None,
               initial_states: object = None, seed: SeedLike = None,
               num_threads: int | None = None) -> dimod.SampleSet:
        r"""Descend each read to a local minimum of `bqm`.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            SPIN or BINARY; any hashable variable labels.
        num_reads : int, optional
            Reads, >= 1. Default: the number of `initial_states` if given, else 1.
        initial_states : samples-like, optional
            Starting states in any form :func:`dimod.as_samples` accepts (a
            :class:`dimod.SampleSet` of another sampler, say), over exactly the model's
            variables, in its vartype: one state, used by every read, or one per read.
            Default: uniformly random states.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
            Seed of the random starting states (the descent itself draws nothing).
        num_threads : int, optional
            OpenMP threads over reads (``None``: OpenMP's default). Results do not depend
            on it.

        Returns
        -------
        dimod.SampleSet
            One row per read, in the model's vartype and variables, with dimod's energies
            and a ``num_flips`` vector (variables flipped by each read's descent). ``info``
            holds ``interrupted``: Ctrl-C stops the descent between blocks of reads and
            keeps the reads finished.

        Raises
        ------
        TypeError
            For a `bqm` that is not a binary quadratic model.
        ValueError
            For `initial_states` that do not match the model's variables or vartype, or
            an invalid `num_reads` or `num_threads`.
        """
        if not isinstance(bqm, dimod.BinaryQuadraticModel):
            raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel, "
                            f"got {type(bqm).__name__}")
        labels = list(bqm.variables)
        spins0 = None if initial_states is None else _initial_spins(bqm, labels,
                                                                     initial_states)
        num_reads = check_positive_int(
            (1 if spins0 is None else spins0.shape[0]) if num_reads is None else num_reads,
            "num_reads")
        nthreads = resolve_num_threads(num_threads)
        if not labels:
            check_allocation(32 * num_reads, f"num_reads={num_reads}",
                             "the sample set's energies and counts")
            return _sampleset(bqm, np.empty((num_reads, 0), dtype=np.int8), labels,
                              {"interrupted": False}, num_flips=np.zeros(num_reads, np.int64))
        model, labels = bqm_to_ising_model(bqm, labels)
        spins, _ = check_start(model, num_reads, spins0, None)
        if spins is None:
            check_allocation(num_reads * (model.num_spins + RandomStreams.BYTES_PER_STREAM),
                             f"num_reads={num_reads}", "the random starting states")
            streams = RandomStreams(seed, num_reads)
            spins = np.empty((num_reads, model.num_spins), dtype=np.int8)
            uniform_spins(streams.addresses, spins, nthreads)
        result = descend(model, spins, num_threads=nthreads)
        return _sampleset(bqm, result.states, labels, {"interrupted": result.interrupted},
                          num_flips=result.num_flips)


class SteepestDescentComposite(dimod.ComposedSampler):
    r"""A child sampler's samples, each polished to a local minimum by steepest descent.

    :meth:`sample` passes its arguments to the child sampler, then descends every sample
    it returned with :class:`SteepestDescentSampler` (:func:`boltz.descend`: flip the
    variable whose flip lowers the energy most until none does), so each output sample is
    a 1-flip local minimum at or below the energy of the child's sample it came from. The
    name, the constructor and the forwarding of arguments follow dwave-samplers'
    ``SteepestDescentComposite``; unlike it, the counts and information of the child's
    sample set are kept.

    Parameters
    ----------
    child_sampler : dimod.Sampler
        The sampler whose samples are polished (:class:`AnnealingSampler`, a D-Wave
        sampler...).

    Examples
    --------
    >>> import dimod
    >>> from boltz.dimod import SteepestDescentComposite
    >>> bqm = dimod.BinaryQuadraticModel.from_ising({}, {("a", "b"): -1.0, ("b", "c"): -1.0})
    >>> sampler = SteepestDescentComposite(dimod.RandomSampler())
    >>> sampleset = sampler.sample(bqm, num_reads=5, seed=0)
    >>> sorted(set(sampleset.record.energy.tolist()))          # only the two ground states
    [-2.0]
    """

    def __init__(self, child_sampler: dimod.Sampler) -> None:
        if not isinstance(child_sampler, dimod.Sampler):
            raise TypeError(f"child_sampler must be a dimod.Sampler, got "
                            f"{type(child_sampler).__name__}")
        self._children = [child_sampler]

    @property
    def children(self) -> list[dimod.Sampler]:
        """list: The child sampler, alone."""
        return list(self._children)

    @property
    def parameters(self) -> dict[str, list[str]]:
        """dict: The child sampler's parameters (all of :meth:`sample`'s keyword arguments
        go to it)."""
        return {name: list(rel) for name, rel in self.child.parameters.items()}

    @property
    def properties(self) -> dict[str, object]:
        """dict: ``child_properties``, the child sampler's properties."""
        return {"child_properties": dict(self.child.properties)}

    def sample(self, bqm: dimod.BinaryQuadraticModel, **parameters: object
               ) -> dimod.SampleSet:
        """Sample `bqm` with the child sampler, then descend each sample to a local minimum.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            SPIN or BINARY; any hashable variable labels.
        **parameters
            Keyword arguments of the child sampler's ``sample`` (see :attr:`parameters`).

        Returns
        -------
        dimod.SampleSet
            One row per row of the child's sample set, in the same order and vartype: its
            sample descended to a local minimum, dimod's energy of it, the child's
            ``num_occurrences`` and ``num_flips`` (variables flipped by the descent). The
            child's other per-sample vectors describe the samples before the descent and
            are left out. ``info`` is the child's, with ``descent_interrupted``: Ctrl-C
            stops the descent between blocks of reads, and only the rows descended are
            kept. A child's empty sample set is returned as it is.

        Raises
        ------
        TypeError
            For a `bqm` that is not a binary quadratic model; the child sampler's errors
            for its arguments.
        """
        if not isinstance(bqm, dimod.BinaryQuadraticModel):
            raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel, "
                            f"got {type(bqm).__name__}")
        sampleset = self.child.sample(bqm, **parameters)
        if not len(sampleset):
            return sampleset
        if sampleset.vartype is not bqm.vartype:
            bqm = bqm.change_vartype(sampleset.vartype, inplace=False)
        polished = SteepestDescentSampler().sample(bqm, initial_states=sampleset)
        record = polished.record
        return dimod.SampleSet.from_samples(
            (record.sample, polished.variables), polished.vartype, record.energy,
            info={**sampleset.info, "descent_interrupted": polished.info["interrupted"]},
            num_occurrences=sampleset.record.num_occurrences[:len(record)],
            num_flips=record.num_flips)


def _sampleset(bqm, spins, labels, info, **vectors):
    """A SampleSet of int8 `spins` (k, n) over `labels`, in the vartype of `bqm`."""
    if bqm.vartype is dimod.BINARY:
        spins = ((spins + 1) // 2).astype(np.int8)
    return dimod.SampleSet.from_samples_bqm((spins, labels), bqm, info=info, **vectors)


def _aggregated(sampleset, aggregate):
    """`sampleset`, its identical samples merged (``num_occurrences``) if `aggregate`."""
    return sampleset.aggregate() if aggregate else sampleset


def _initial_spins(bqm, labels, initial_states):
    """Initial states as an int8 spin array (k, n), columns in `labels` order."""
    sampleset = isinstance(initial_states, dimod.SampleSet)
    vartype = initial_states.vartype if sampleset else bqm.vartype
    with warnings.catch_warnings():
        warnings.simplefilter("error", _ComplexWarning)
        try:
            array, state_labels = dimod.as_samples(initial_states, dtype=np.int64)
        except _ComplexWarning:
            raise TypeError("initial_states must be real (spins or 0/1 values), got "
                            "complex numbers") from None
        except OverflowError:
            raise ValueError("initial_states must be spins or 0/1 values, got numbers "
                             "beyond int64 (inf or huge integers)") from None
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError("initial_states must hold at least one state")
    if len(state_labels) != len(labels) or set(state_labels) != set(labels):
        raise ValueError("mismatch between the variables of initial_states and of bqm")
    if labels:
        where = {v: i for i, v in enumerate(state_labels)}
        array = array[:, [where[v] for v in labels]]
    allowed = vartype.value  # frozenset of allowed values
    if not np.isin(array, list(allowed)).all():
        raise ValueError(f"initial_states must have values in {sorted(allowed)} "
                         f"({vartype.name})")
    if vartype is dimod.BINARY:
        array = 2 * array - 1
    return np.ascontiguousarray(array, dtype=np.int8)
