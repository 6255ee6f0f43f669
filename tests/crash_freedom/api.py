"""Every public callable of boltz, and how to call it with generated arguments.

:func:`public_api` lists the public surface (``boltz.__all__``, the public methods and
properties of its classes, ``boltz.mcmc_statistics``, ``boltz.dimod``, the command line);
:data:`TARGETS` says for each how a call is made: on what (a valid small instance, or one
built from generated constructor arguments) and with which kind of value per parameter.
A parameter's kind comes from its name (:data:`KINDS`), so a new parameter with a new name,
or a new public name, is a test failure until it is covered here.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from hypothesis import strategies as st

from crash_freedom import strategies as s
from crash_freedom.worker import Call
from public_api import public_members

# ---- the public surface ------------------------------------------------------------------


def public_api() -> list[str]:
    """Qualified names of every public function, class, method and property, and the
    command line's subcommands."""
    return [qual for qual, _ in public_members()] + ["cli anneal", "cli ising", "cli info"]


def parameters(qualname: str) -> list[str]:
    """The parameter names of a public callable (``self``/``cls``/``**kw`` left out)."""
    import boltz
    import boltz.numerics.mcmc_statistics as mcmc

    head, _, rest = qualname.partition(".")
    obj = mcmc if head == "mcmc_statistics" else getattr(boltz, head)
    for part in rest.split(".") if rest else []:
        obj = inspect.getattr_static(obj, part)
        obj = getattr(obj, "__func__", obj)
    return [p.name for p in inspect.signature(obj).parameters.values()
            if p.name not in ("self", "cls") and p.kind is not p.VAR_KEYWORD]


# ---- kinds of parameters, by name ----------------------------------------------------------

def _data(**kw):
    return s.data(**kw)


KINDS = {
    # data arrays
    **dict.fromkeys(["X", "v", "x", "a", "b", "energies", "degeneracy", "values", "states", "Q",
                     "q_values",
                     "initial_states", "clamped", "clamp", "connectivity", "anneal",
                     "schedule_array", "mean_energy", "edges"], _data),
    "temperature": lambda: s.either(s.reals(), _data()),
    "betas": lambda: s.mostly(s.real_array(st.tuples(st.integers(1, 4)), 0.0, 2.0)),
    # reals
    **dict.fromkeys(["beta", "learning_rate", "momentum", "weight_decay", "boltzmann_constant",
                     "offset", "xtol", "c", "reheat_beta", "log_z", "J_scalar", "h_scalar",
                     "t0", "t_min", "decay", "target", "seconds_per_read", "confidence",
                     "ci_level", "rtol", "target_energy", "offset_rate",
                     "sigma_learning_rate"],
                    s.reals),
    "beta_range": lambda: s.mostly(st.sampled_from(["(0.1, 2.0)", "(0.0, 1.0)", "[0.5, 0.5]"]),
                                   st.sampled_from(["(2.0, 0.1)", "(nan, 1)", "(0, inf)",
                                                    "(1,)", "(-1, 1)", "'01'", "(1e-300, 1e300)",
                                                    "(0.0, 0.0)"])),
    # counts that size memory: sizes that cannot fit must be refused
    **dict.fromkeys(["num_chains", "num_reads", "n_samples", "n_components", "batch_size",
                     "num_spins", "L", "M", "n", "group_size", "n_hidden", "n_visible",
                     "num_nodes", "monitor_rows", "n_runs", "n_bins", "n_bootstrap", "n_chains"],
                    lambda: s.counts(huge_memory=True)),
    "size": lambda: s.either(s.counts(huge_memory=True),
                              st.sampled_from(["None", "(2, 3)", "()", "(0,)", "(-1,)",
                                               "(2**40, 2**40)", "[2, 2]", "(2.0,)"])),
    # counts that size time (never huge below 2**63: a long run is not a failure)
    **dict.fromkeys(["num_sweeps", "burn_in", "thin", "n_iter", "k", "num_cycles",
                     "record_every", "max_lag", "n_filters", "ncols",
                     "num_sweeps_per_beta", "swap_interval", "maxiter", "n_betas"], s.counts),
    "verbose": lambda: s.mostly(st.sampled_from(["0", "1", "2"])),
    "step": lambda: s.counts(("0", "1", "7", "None")),
    "seed": s.seeds, "random_state": s.seeds,
    "num_threads": s.threads,
    "axis": s.axes,
    "method": lambda: s.choices(["metropolis", "gibbs", "heat_bath", "exact", "ais",
                                 "mean_field", "auto"]),
    "order": lambda: s.choices(["sequential", "random"]),
    "undefined": lambda: s.choices(["raise", "nan"]),
    "storage": lambda: s.choices(["auto", "dense", "sparse"]),
    "couplings": lambda: s.choices(["gaussian", "pm1", "binary"]),
    "schedule": lambda: s.either(s.choices(["geometric", "linear"]),
                                  s.real_array(st.tuples(st.integers(0, 4)), 0.0, 2.0)),
    "name": lambda: st.sampled_from(["'states'", "'x'", "None", "1"]),
    **dict.fromkeys(["keepdims", "return_sign", "return_states", "progress", "polish", "persistent",
                     "shuffle", "warm_start", "hidden_connected", "periodic", "per_chain",
                     "visible_only", "return_best", "aggregate", "multispin", "centered",
                     "conditional", "exclude_rated", "deep", "standardize", "learn_sigma"],
                    s.booleans),
    "visible_bias_init": lambda: s.choices(["data", "zeros"]),
    "orientation": lambda: s.choices(["user", "item"]),
    "levels": lambda: s.mostly(st.sampled_from(["(1, 2, 3, 4, 5)", "[1, 2, 3, 4, 5]",
                                                "np.arange(1.0, 6.0)"]),
                               st.sampled_from(["(1, 1, 2)", "(1,)", "()", "(1, nan)",
                                                "tuple(range(100))", "'12345'", "(1, 2, 3)"])),
    "learning_rate_schedule": lambda: s.choices(["constant", "linear"]),
    "beta_schedule_type": lambda: s.choices(["geometric", "linear", "custom"]),
    "beta_schedule": lambda: s.mostly(s.real_array(st.tuples(st.integers(1, 4)), 0.0, 2.0)),
    "dtype": s.dtypes,
    "y": lambda: st.sampled_from(["None", "None", "arr([1, 2], 'int64')", "'y'"]),
    "model": lambda: s.mostly(st.integers(0, 6).map(lambda k: f"ising({k})"),
                              st.sampled_from(["rbm(0)", "None", "'model'"])),
    "J": lambda: s.mostly(st.one_of(s.symmetric(), s.triplets())),
    "h": lambda: s.either(s.reals(), s.data(st.tuples(st.integers(0, 4)))),
    "edges_or_path": lambda: s.either(s.paths(), s.data(
        st.tuples(st.integers(0, 3), st.sampled_from([2, 3])), binary=False),
        st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), max_size=4).map(
            lambda e: f"arr({e!r}, 'int64', None, 'C')"),
        st.lists(st.tuples(st.sampled_from([1, 2, 0.5, 1.7, -1]),
                           st.sampled_from([2, 3, 2.0])), min_size=1, max_size=3).map(
            lambda e: f"arr({e!r}, 'float64')")),
    "path": lambda: s.Mixed(st.integers(0, 5).map(lambda k: f"rbm_file({k})"),
                            st.one_of(_tampered_rbm_file(), s.paths())),
    "variable_order": lambda: st.sampled_from(["None", "['a', 'b']", "[0, 0]", "'ab'", "1"]),
    "bqm": lambda: st.sampled_from([
        "__import__('dimod').BinaryQuadraticModel({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, "
        "'SPIN')",
        "__import__('dimod').BinaryQuadraticModel({'a': nan}, {}, 0.0, 'BINARY')",
        "__import__('dimod').BinaryQuadraticModel({}, {}, 0.0, 'SPIN')",
        "__import__('dimod').BinaryQuadraticModel({0: 1e308}, {(0, 1): -1e308}, 0.0, 'SPIN')",
        "None", "ising(0)"]),
    "validation_data": lambda: s.mostly(st.one_of(st.just("None"), s.rows(3).good)),
    # RatingsRBM: ids of users, items or the model's rows; (user, item) pairs
    **dict.fromkeys(["users", "items", "ids"], lambda: s.mostly(st.sampled_from([
        "arr([0, 1, 2], 'int64')", "[0, 4, 99]", "arr([], 'int64')", "np.array(['u0', 'u3'])",
        "[1]"]), st.sampled_from(["arr([0.5], 'float64')", "[[0, 1]]", "'u0'", "[nan]",
                                  "np.array([1], dtype='datetime64[D]')"]))),
    "user": lambda: s.mostly(st.sampled_from(["0", "1", "'u0'", "np.int64(2)"]),
                             st.sampled_from(["99", "'nobody'", "[0]"])),
    "seen": lambda: s.mostly(st.sampled_from(["None", "([0, 1], [1, 2])"]),
                             st.sampled_from(["([0], [99])", "([0, 1], [1])", "[0, 1]",
                                              "(arr([[0]], 'int64'), arr([[1]], 'int64'))"])),
    # no wild values: a string is a scheduler address, which the call would try to reach
    # (tests/test_distributed.py checks that); None runs here
    "client": lambda: s.Mixed(st.just("None"), st.sampled_from(["3", "''", "[1]", "b'x'",
                                                                "'  '", "1.5"])),
    "shard_size": s.counts,
    "time_limit": lambda: s.mostly(st.sampled_from(["0.01", "0.05", "None"]),
                                   st.sampled_from(["0", "-1", "nan", "inf", "'1'", "True"])),
    # callbacks that return (a raising callback's error is the caller's own)
    "interrupt_function": lambda: s.Mixed(
        st.sampled_from(["None", "lambda: False", "lambda: True", "lambda: 0",
                         "lambda: np.array([1])"]),
        st.sampled_from(["3", "'stop'", "[lambda: True]"])),
    "sampler": lambda: s.mostly(st.sampled_from([
        "Annealer(num_sweeps=5)", "ParallelTempering([0.1, 1.0], num_sweeps=4, burn_in=1)",
        "[Annealer(num_sweeps=3), Annealer(num_sweeps=4)]",
        "'cd'", "'pcd'", "'pt'"]),                # RBM's sampler
        st.sampled_from(["None", "3", "[]", "[None]", "boltz.sample", "'Annealer'"])),
    "models": lambda: s.mostly(st.sampled_from(["ising(0)", "[ising(1), ising(2)]",
                                                "(ising(3),)"]),
                               st.sampled_from(["[]", "['/no/such/file']", "None", "[None]",
                                                "[ising(1), 3]", "rbm(0)", "''"])),
}


def _tampered_file(builder: str, count: int, members: list[str]) -> st.SearchStrategy:
    """``builder(k, how, ...)`` calls (``rbm_file``, ``ratings_file``): a saved model whose
    file is truncated, has a flipped byte, a member replaced, dropped, declaring a huge
    shape or holding objects, or its params JSON replaced."""
    @st.composite
    def build(draw) -> str:
        k = draw(st.integers(0, count - 1))
        member = draw(st.sampled_from(members))
        how = draw(st.sampled_from(["truncate", "flip", "member", "drop", "params",
                                    "declared", "object"]))
        if how == "truncate":
            extra = f", {draw(st.integers(0, 4000))}"
        elif how == "flip":
            extra = f", {draw(st.integers(0, 4000))}, {draw(st.integers(0, 255))}"
        elif how == "member":
            # a member replaced by a wild value (not a huge() view: np.save would write it
            # all; the "declared" case covers members that declare huge shapes)
            extra = f", {member!r}, {draw(s.wild().filter(lambda v: 'huge(' not in v))}"
        elif how == "params":
            extra = ", " + draw(st.sampled_from([
                "'{}'", "'[]'", "'nul'", "''", "json.dumps({'n_components': 'x'})",
                "json.dumps({'dtype': 'float16'})",
                "json.dumps({'dtype': 'float64', 'bogus': 1})",
                "json.dumps({'dtype': 'float32', 'n_components': 10**12})",
                "huge_json(100000)", "'\"' + 'a' * 5_000_000 + '\"'",
                "json.dumps({'dtype': 5})",
                "json.dumps({'dtype': 'float32', 'random_state': -1})"]))
        elif how == "declared":
            shape = draw(st.sampled_from(["(2**20, 2**20)", "(2**62,)", "(3, 2)", "(0,)",
                                          "(10**6, 3)", "()"]))
            dtype = draw(st.sampled_from(["'<f4'", "'<f8'", "'<i8'", "'|b1'", "'<U10'"]))
            extra = f", {member!r}, {shape}, {dtype}"
        else:                                   # drop, object
            extra = f", {member!r}"
        return f"{builder}({k}, {how!r}{extra})"
    return build()


def _tampered_rbm_file() -> st.SearchStrategy:
    return _tampered_file("rbm_file", 6, ["components_", "intercept_hidden_",
                                          "intercept_visible_", "h_samples_",
                                          "format_version", "params"])


# ---- targets: the public names and how each is called -----------------------------------

@dataclass
class Target:
    """How to call `label`: `on` draws the callee's source (``"boltz.softmax"``,
    ``"rbm(3).transform"``) and a context; the parameters `params` are drawn by kind
    (overridden by `special`), each sometimes left out."""

    label: str
    on: st.SearchStrategy
    params: list[str]
    special: dict = field(default_factory=dict)
    required: tuple = ()
    positional: bool = False       # pass the values in order, not by name
    ctor: str = ""                 # call the method on this class built from generated args

    def calls(self) -> st.SearchStrategy:
        @st.composite
        def build(draw):
            callee, ctx = draw(self.on)
            ctor = [n for n in (parameters(self.ctor) if self.ctor else [])
                    if n != "n_chains"]
            names = ctor + self.params
            wild = set(draw(st.lists(st.sampled_from(names), max_size=draw(st.integers(0, 2)),
                                     unique=True))) if names else set()

            def value(name):
                maker = self.special.get(name) or KINDS[name]
                kind = s.as_mixed(maker(ctx) if name in self.special else maker())
                return draw(kind.bad if name in wild else kind.good)

            def left_out(name):
                return (name not in self.required and name not in _ALWAYS and name not in wild
                        and draw(st.integers(0, 3)) == 0)

            if self.ctor:
                parts = [f"{n}={value(n)}" for n in ctor if not left_out(n)]
                callee = f"{self.ctor}({', '.join(parts)}).{callee}"
            kwargs = [(n, value(n)) for n in self.params if not left_out(n)]
            if self.positional:
                return Call(callee, tuple(v for _, v in kwargs), (), self.label)
            return Call(callee, (), tuple(kwargs), self.label)
        return build()


def _fixed(source: str, count: int = 7, **ctx) -> st.SearchStrategy:
    """The callee on one of `count` valid instances: ``source.format(k=...)``."""
    return st.integers(0, count - 1).map(lambda k: (source.format(k=k), dict(ctx, k=k)))


# Time-sizing arguments whose defaults are long (sweeps, epochs): always drawn (small).
_ALWAYS = {"num_sweeps", "n_iter", "burn_in", "n_betas", "n_runs"}


def _rbm_width(ctx) -> int:
    return 3 + ctx["k"] % 2


def _bm_width(ctx) -> int:
    return 2 + ctx["k"] % 2


def _rbm_rows(ctx):
    return s.rows(_rbm_width(ctx))


def _targets() -> list[Target]:
    T = []
    numerics = {
        "logsumexp": ["a", "axis", "b", "keepdims", "return_sign", "num_threads"],
        "softmax": ["x", "axis", "temperature", "num_threads"],
        "log_softmax": ["x", "axis", "temperature", "num_threads"],
        "boltzmann_probs": ["energies", "temperature", "degeneracy", "axis",
                            "boltzmann_constant", "num_threads"],
        "thermodynamics": ["energies", "temperature", "degeneracy", "boltzmann_constant",
                           "num_threads"],
        "solve_beta": ["energies", "mean_energy", "degeneracy", "xtol", "maxiter"],
        "sample_boltzmann": ["energies", "temperature", "size", "degeneracy",
                             "boltzmann_constant", "seed", "num_threads"],
    }
    also_required = {"solve_beta": ("mean_energy",), "thermodynamics": ("temperature",)}
    for name, params in numerics.items():
        T.append(Target(name, st.just((f"boltz.{name}", {})), params,
                        required=(params[0], *also_required.get(name, ()))))
    T += _ml_targets()
    T += _plot_targets()
    T += _dataset_targets()
    T.append(Target("sample", st.just(("boltz.sample", {})),
                    ["model", "beta", "num_chains", "num_sweeps", "burn_in", "thin", "method",
                     "order", "seed", "num_threads", "initial_states", "return_states",
                     "progress", "clamped", "time_limit", "target_energy", "interrupt_function",
                     "client", "shard_size"],
                    required=("model", "beta", "num_sweeps", "burn_in")))
    T.append(Target("time_to_solution", st.just(("boltz.time_to_solution", {})),
                    parameters("time_to_solution"),
                    {"energies": lambda ctx: s.either(s.data(), st.just(
                        "boltz.Annealer(num_sweeps=20).sample(ising(0), 4, seed=0)"))},
                    required=("energies", "target")))
    T.append(Target("map_models", st.just(("boltz.map_models", {})),
                    ["sampler", "models", "seed", "client", "progress"],
                    required=("sampler", "models")))
    for fn in ("autocorrelation", "integrated_autocorrelation_time", "effective_sample_size",
               "mean_and_standard_error", "chain_spread_error"):
        T.append(Target(f"mcmc_statistics.{fn}", st.just((f"boltz.mcmc_statistics.{fn}", {})),
                        parameters(f"mcmc_statistics.{fn}"),
                        required=(parameters(f"mcmc_statistics.{fn}")[0],)))
    # IsingModel
    T.append(Target("IsingModel", st.just(("IsingModel", {})),
                    ["J", "h", "offset", "num_spins", "dtype", "storage"], required=("J",)))
    for cm in ("square_lattice", "sherrington_kirkpatrick", "from_qubo", "from_maxcut"):
        ps = parameters(f"IsingModel.{cm}")
        special = {"J": lambda ctx: s.reals(), "h": lambda ctx: s.reals()} \
            if cm in ("square_lattice", "sherrington_kirkpatrick") else {}
        T.append(Target(f"IsingModel.{cm}", st.just((f"IsingModel.{cm}", {})), ps, special,
                        required=ps[:1]))
    for m in ("to_qubo", "bonds", "couplings_dense", "check_states", "energy",
              "maxcut_value"):
        ps = parameters(f"IsingModel.{m}")
        T.append(Target(f"IsingModel.{m}", _fixed("ising({k})." + m), ps, required=ps[:1]))
    # samplers
    T.append(Target("Annealer.sample", st.just(("sample", {})),
                    ["model", "num_reads", "seed", "initial_states", "clamped", "record_every",
                     "time_limit", "target_energy", "interrupt_function", "client",
                     "shard_size"],
                    required=("model",), ctor="Annealer"))
    # ising(k)'s widths (crash_freedom/builders.py): states that fit the model, mostly
    widths = (4, 2, 5, 4, 1, 4, 3)
    T.append(Target("descend", _fixed("boltz.descend"), ["model", "states", "num_threads"], {
        "model": lambda ctx: s.mostly(st.just(f"ising({ctx['k']})"),
                                      st.sampled_from(["rbm(0)", "None", "'model'"])),
        "states": lambda ctx: s.either(s.rows(widths[ctx["k"]]), KINDS["states"]())},
        required=("model", "states")))
    T.append(Target("ParallelTempering.sample", st.just(("sample", {})),
                    ["model", "seed", "initial_states", "return_states", "time_limit",
                     "target_energy", "interrupt_function", "client"],
                    required=("model",), ctor="ParallelTempering"))
    # BoltzmannMachine
    T.append(Target("BoltzmannMachine.fit", st.just(("fit", {})),
                    ["X", "y"], {"X": lambda ctx: s.rows(3)}, required=("X",),
                    ctor="BoltzmannMachine"))
    T.append(Target("BoltzmannMachine.encoder_connectivity",
                    st.just(("BoltzmannMachine.encoder_connectivity", {})),
                    ["group_size", "n_hidden", "hidden_connected"],
                    required=("group_size", "n_hidden")))
    bm_special = {"X": lambda ctx: s.rows(_bm_width(ctx)),
                  "states": lambda ctx: s.rows(_bm_width(ctx) + ctx["k"] % 3 % 2),
                  "clamp": lambda ctx: s.data(st.just((_bm_width(ctx) + ctx["k"] % 3 % 2,)))}
    for m in ("energy", "log_partition", "visible_distribution", "kl_divergence", "sample",
              "positive_statistics", "negative_statistics"):
        ps = parameters(f"BoltzmannMachine.{m}")
        T.append(Target(f"BoltzmannMachine.{m}", _fixed("bm({k})." + m, 6), ps, bm_special,
                        required=tuple(p for p in ps if p in ("X", "states", "num_sweeps"))))
    T.append(Target("BoltzmannMachine.weights_", _fixed("bm({k}).__setattr__", 6),
                    ["name_weights", "value"], {
                        "name_weights": lambda ctx: st.just("'weights_'"),
                        "value": lambda ctx: s.mostly(s.symmetric())}, required=(
                        "name_weights", "value"), positional=True))
    T.append(Target("BoltzmannMachine.thresholds_", _fixed("bm({k}).__setattr__", 6),
                    ["name_thresholds", "value"], {
                        "name_thresholds": lambda ctx: st.just("'thresholds_'"),
                        "value": lambda ctx: s.data(st.just((_bm_width(ctx)
                                                             + ctx["k"] % 3 % 2,)))},
                    required=("name_thresholds", "value"), positional=True))
    T.append(Target("BoltzmannMachine.n_chains", _fixed("bm({k}).__setattr__", 6),
                    ["name_n_chains", "value"], {
                        "name_n_chains": lambda ctx: st.just("'n_chains'"),
                        "value": lambda ctx: s.counts(huge_memory=True)},
                    required=("name_n_chains", "value"), positional=True))
    # RBM
    for m in ("fit", "partial_fit"):
        T.append(Target(f"RBM.{m}", st.just((m, {})),
                        ["X", "y"] + (["validation_data"] if m == "fit" else []),
                        {"X": lambda ctx: s.either(s.rows(3), s.any_sparse())},
                        required=("X",), ctor="RBM"))
    rbm_special = {name: lambda ctx: s.either(_rbm_rows(ctx), s.any_sparse())
                   for name in ("X", "v")}
    rbm_special["log_z"] = lambda ctx: s.reals(("0.0", "-1.0", "3.0"))
    for m in ("transform", "free_energy", "reconstruct", "gibbs", "score_samples", "sample",
              "log_partition", "log_likelihood", "save"):
        ps = parameters(f"RBM.{m}")
        if m == "log_partition":
            ps += ["n_betas", "n_runs", "seed", "client", "shard_size"]
        if m == "save":
            special = {"path": lambda ctx: st.sampled_from([
                "gset_file(b'')", "'/nonexistent/dir/x.npz'", "'/'", "None", "3",
                "gset_file(b'', '')"])}
        else:
            special = rbm_special
        T.append(Target(f"RBM.{m}", _fixed("rbm({k})." + m, 6), ps, special,
                        required=tuple(p for p in ps if p in ("X", "v", "path", "num_sweeps"))))
    T.append(Target("RBM.load", st.just(("RBM.load", {})), ["path"], required=("path",)))
    T.append(Target("RBM (tampered state)", st.integers(0, 5).map(
        lambda k: ("tampered_rbm", {"k": k})),
        ["k", "attribute", "value", "method_name", "X"], {
            "k": lambda ctx: st.just(str(ctx["k"])),
            "attribute": lambda ctx: st.sampled_from(["'components_'", "'intercept_hidden_'",
                                                      "'intercept_visible_'", "'h_samples_'",
                                                      "'n_features_in_'"]),
            "value": lambda ctx: s.mostly(s.real_array()),
            "method_name": lambda ctx: st.sampled_from(["'partial_fit'", "'transform'",
                                                        "'score_samples'", "'gibbs'",
                                                        "'free_energy'", "'fit'"]),
            "X": lambda ctx: _rbm_rows(ctx)},
        required=("k", "attribute", "value", "method_name", "X"), positional=True))
    T += _ratings_targets()
    # GaussianRBM
    for m in ("fit", "partial_fit"):
        T.append(Target(f"GaussianRBM.{m}", st.just((m, {})),
                        ["X", "y"] + (["validation_data"] if m == "fit" else []),
                        {"X": lambda ctx: s.either(s.rows(3), s.any_sparse())},
                        required=("X",), ctor="GaussianRBM"))
    grbm_special = {name: lambda ctx: _rbm_rows(ctx) for name in ("X", "v")}
    grbm_special["log_z"] = lambda ctx: s.reals(("0.0", "-1.0", "3.0"))
    for m in ("transform", "free_energy", "reconstruct", "gibbs", "score_samples", "score",
              "sample", "log_partition", "log_likelihood"):
        ps = parameters(f"GaussianRBM.{m}")
        if m == "log_partition":
            ps += ["n_betas", "n_runs", "seed"]
        T.append(Target(f"GaussianRBM.{m}", _fixed("grbm({k})." + m, 6), ps, grbm_special,
                        required=tuple(p for p in ps if p in ("X", "v", "num_sweeps"))))
    T.append(Target("GaussianRBM.save", _fixed("grbm({k}).save", 6), ["path"], {
        "path": lambda ctx: st.sampled_from(["'/nonexistent/dir/x.npz'", "'/'", "None", "3",
                                             "gset_file(b'', '')"])}, required=("path",)))
    T.append(Target("GaussianRBM.load", st.just(("boltz.GaussianRBM.load", {})), ["path"], {
        "path": lambda ctx: s.Mixed(st.integers(0, 5).map(lambda k: f"grbm_file({k})"),
                                    st.one_of(_tampered_grbm_file(), s.paths(),
                                              st.integers(0, 5).map(
                                                  lambda k: f"rbm_file({k})")))},
        required=("path",)))
    # dimod
    T.append(Target("dimod.bqm_to_ising_model", st.just((
        "__import__('boltz.dimod').dimod.bqm_to_ising_model", {})),
        ["bqm", "variable_order"], required=("bqm",)))
    T.append(Target("dimod.AnnealingSampler", st.just((
        "__import__('boltz.dimod').dimod.AnnealingSampler().sample", {})),
        ["bqm", "num_reads", "seed", "initial_states", "num_sweeps", "return_best",
         "aggregate", "beta_schedule_type", "beta_schedule"],
        required=("bqm", "num_sweeps")))
    T.append(Target("dimod.SteepestDescentSampler", st.just((
        "__import__('boltz.dimod').dimod.SteepestDescentSampler().sample", {})),
        ["bqm", "num_reads", "initial_states", "seed", "num_threads"], required=("bqm",)))
    # the composite built on a child, then its sample() with the child's arguments
    T.append(Target("dimod.SteepestDescentComposite", st.just((
        "lambda child_sampler, **kw: __import__('boltz.dimod').dimod"
        ".SteepestDescentComposite(child_sampler).sample(**kw)", {})),
        ["child_sampler", "bqm", "num_reads", "seed", "initial_states", "num_sweeps"],
        {"child_sampler": lambda ctx: s.Mixed(
            st.sampled_from(["__import__('boltz.dimod').dimod.AnnealingSampler()",
                             "__import__('dimod').RandomSampler()"]),
            st.sampled_from(["None", "3", "__import__('boltz.dimod').dimod.AnnealingSampler",
                             "ising(0)"]))},
        required=("child_sampler", "bqm", "num_sweeps")))
    # the command line (in the worker: a traceback is an exception out of main)
    T.append(Target("cli anneal", st.just(("cli", {})), ["argv"], {
        "argv": lambda ctx: _anneal_argv()}, required=("argv",), positional=True))
    T.append(Target("cli ising", st.just(("cli", {})), ["argv"], {
        "argv": lambda ctx: _ising_argv()}, required=("argv",), positional=True))
    return T


def _ratings_X() -> s.Mixed:
    """Ratings: valid small ones in every form, or malformed ones (a rating that is no
    level, nan, a pair twice, unequal lengths, 2-D ids, a stored zero), or anything."""
    return s.mostly(st.integers(0, 8).map(lambda k: f"ratings_data({k})"), st.sampled_from([
        "(arr([0, 1], 'int64'), arr([0, 1], 'int64'), arr([1.0, 7.0], 'float64'))",
        "(arr([0, 1], 'int64'), arr([0, 1], 'int64'), arr([1.0, nan], 'float64'))",
        "(arr([0, 0], 'int64'), arr([1, 1], 'int64'), arr([1.0, 2.0], 'float64'))",
        "(arr([0, 1], 'int64'), arr([0], 'int64'), arr([1.0, 2.0], 'float64'))",
        "(arr([[0]], 'int64'), arr([[0]], 'int64'), arr([[1.0]], 'float64'))",
        "(arr([], 'int64'), arr([], 'int64'), arr([], 'float64'))",
        "(arr([0.5], 'float64'), arr([0], 'int64'), arr([1.0], 'float64'))",
        "([0], [0])", "sparse('csr_matrix', (2, 2), [(0, 0, 0.0)], 'float64')",
        "sparse('coo_array', (2**31, 2**31), [(0, 0, 1.0)], 'float64')",
        "(np.array([object(), 1]), arr([0, 1], 'int64'), arr([1.0, 2.0], 'float64'))"]))


def _ratings_targets() -> list[Target]:
    """RatingsRBM: fit and partial_fit from generated constructor arguments and ratings;
    every method on small fitted models (user / item orientation, conditional or not)."""
    X = {"X": lambda ctx: _ratings_X(), "validation_data": lambda ctx: s.either(
        st.just("None"), _ratings_X())}
    T = [Target(f"RatingsRBM.{m}", st.just((m, {})), parameters(f"RatingsRBM.{m}"), X,
                required=("X",), ctor="RatingsRBM") for m in ("fit", "partial_fit")]
    methods = ("predict_proba", "predict", "rmse", "mae", "score", "recommend", "transform",
               "free_energy", "log_likelihood", "partial_fit", "get_params", "set_params")
    for m in methods:
        ps = parameters(f"RatingsRBM.{m}")
        T.append(Target(f"RatingsRBM.{m} (fitted)" if m == "partial_fit" else
                        f"RatingsRBM.{m}", _fixed("ratings({k})." + m, 8), ps, X,
                        required=tuple(p for p in ps if p in ("X", "users", "items", "user",
                                                              "ids"))))
    T.append(Target("RatingsRBM.save", _fixed("ratings({k}).save", 8), ["path"], {
        "path": lambda ctx: st.sampled_from(["'/nonexistent/dir/x.npz'", "'/'", "None", "3",
                                             "gset_file(b'', '')"])}, required=("path",)))
    T.append(Target("RatingsRBM.load", st.just(("boltz.RatingsRBM.load", {})), ["path"], {
        "path": lambda ctx: s.Mixed(st.integers(0, 7).map(lambda k: f"ratings_file({k})"),
                                    st.one_of(_tampered_ratings_file(), s.paths(),
                                              st.integers(0, 5).map(
                                                  lambda k: f"rbm_file({k})")))},
        required=("path",)))
    return T


def _tampered_grbm_file() -> st.SearchStrategy:
    return _tampered_file("grbm_file", 6, [
        "components_", "intercept_visible_", "intercept_hidden_", "sigma_", "mean_", "scale_",
        "h_samples_", "constant", "velocity_log_var", "chain_streams", "params", "state",
        "format_version"])


def _tampered_ratings_file() -> st.SearchStrategy:
    return _tampered_file("ratings_file", 8, [
        "components_", "intercept_visible_", "intercept_hidden_", "levels_", "user_ids_",
        "item_ids_", "indptr", "units", "unit_levels", "params", "state", "format_version"])


def _classes(label: str, callee: str) -> st.SearchStrategy:
    """`callee` with a context of n rows (1-4) and k classes (2-4)."""
    return st.tuples(st.integers(1, 4), st.integers(2, 4)).map(
        lambda nk: (callee, {"n": nk[0], "k": nk[1]}))


def _labels(ctx) -> s.Mixed:
    return s.mostly(st.lists(st.integers(0, ctx["k"] - 1), min_size=ctx["n"],
                             max_size=ctx["n"]).map(lambda v: f"arr({v!r}, 'int64')"))


def _ml_targets() -> list[Target]:
    """Temperature in machine learning: distillation, calibration and Boltzmann exploration."""
    logits = {"logits": lambda ctx: s.data(st.just((ctx["n"], ctx["k"]))), "labels": _labels}
    distill = {"student_logits": logits["logits"], "teacher_logits": logits["logits"],
               "labels": lambda ctx: s.either(st.just("None"), _labels(ctx)),
               "alpha": lambda ctx: s.reals(good=("0.0", "0.5", "0.9", "1.0")),
               "reduction": lambda ctx: s.choices(["batchmean", "sum", "none"])}
    probs = {"probs": lambda ctx: s.mostly(s.real_array(st.just((ctx["n"], ctx["k"]))).map(
        lambda a: f"boltz.softmax({a}, axis=-1)")), "labels": _labels}
    T = [Target("fit_temperature", _classes("fit_temperature", "boltz.fit_temperature"),
                ["logits", "labels", "num_threads"], logits, required=("logits", "labels")),
         Target("distillation_loss", _classes("distillation_loss", "boltz.distillation_loss"),
                ["student_logits", "teacher_logits", "temperature", "labels", "alpha",
                 "reduction", "num_threads"], distill,
                required=("student_logits", "teacher_logits", "temperature"))]
    for name in ("expected_calibration_error", "reliability_diagram"):
        T.append(Target(name, _classes(name, f"boltz.{name}"), ["probs", "labels", "n_bins"],
                        probs, required=("probs", "labels")))
    T.append(Target("TemperatureFit.calibrate", st.sampled_from([
        ("boltz.TemperatureFit(2.0, 0.5, 0.1, 0.025, 0.5, 0.6, 5).calibrate", {}),
        ("boltz.TemperatureFit(inf, 0.0, inf, 1.0, 0.5, 0.6, 0).calibrate", {})]),
        ["logits", "num_threads"], {"logits": lambda ctx: s.data()}, required=("logits",)))
    T.append(Target("BoltzmannPolicy", st.just(("boltz.BoltzmannPolicy", {})),
                    ["temperature"]))
    T.append(Target("BoltzmannPolicy.exponential", st.just((
        "boltz.BoltzmannPolicy.exponential", {})), ["t0", "t_min", "decay"],
        required=("t0", "t_min", "decay")))
    policies = st.sampled_from(["boltz.BoltzmannPolicy(0.5)", "boltz.BoltzmannPolicy(1e-300)",
                                "boltz.BoltzmannPolicy.exponential(2.0, 0.1, 0.9)",
                                "boltz.BoltzmannPolicy(lambda step: 1.0 / (1 + step))"])
    for m in ("probabilities", "act", "temperature_at"):
        ps = parameters(f"BoltzmannPolicy.{m}")
        T.append(Target(f"BoltzmannPolicy.{m}", policies.map(lambda p, m=m: (f"{p}.{m}", {})),
                        ps, required=ps[:1] if m != "temperature_at" else ()))
    return T


def _fetcher_target(name: str, home_builder: str) -> Target:
    """A ``boltz.datasets`` fetcher on the data homes `home_builder(k)` makes (the file
    missing, damaged, a directory, a FIFO...) or on wild folders, never downloading."""
    homes = st.integers(0, 6).map(lambda k: f"{home_builder}({k})")
    return Target(f"datasets.{name}", st.just((f"datasets({name!r})", {})),
                  ["data_home", "download_if_missing"], {
                      "data_home": lambda ctx: s.Mixed(homes, st.sampled_from([
                          "'/nonexistent/dir'", "''", "3", "b'/tmp'", "'/dev/null'", "'\\x00'",
                          "[]", "out_path('not-there')", "gset_file(b'x')"])),
                      "download_if_missing": lambda ctx: s.Mixed(
                          st.sampled_from(["False", "0", "np.bool_(False)", "np.int64(0)"]),
                          st.sampled_from(["None", "'no'", "''", "[False]", "2", "0.0",
                                           "np.array(False)", "np.int64(2)"]))},
                  required=("data_home", "download_if_missing"))


def _dataset_targets() -> list[Target]:
    """boltz.datasets: fetch_mnist and fetch_movielens_100k on folders the suite makes,
    never downloading (a download_if_missing that would mean True is never drawn: 1 and
    np.True_ are bools to it), binarize_mnist on grey levels and on anything, and
    train_test_split_ratings on small ratings and on anything."""
    return [
        *(_fetcher_target(name, homes)
          for name, homes in (("fetch_mnist", "mnist_home"),
                              ("fetch_movielens_100k", "movielens_home"))),
        Target("datasets.train_test_split_ratings",
               st.just(("datasets('train_test_split_ratings')", {})),
               ["users", "items", "ratings", "test_size", "seed"], {
                   "users": lambda ctx: s.either(s.mostly(st.just("np.arange(20)")), _data()),
                   "items": lambda ctx: s.either(s.mostly(st.just("np.arange(20) % 7")),
                                                 _data()),
                   "ratings": lambda ctx: s.either(s.mostly(st.just("np.ones(20)")), _data()),
                   "test_size": lambda ctx: s.reals(("0.2", "0.5", "1", "19"))},
               required=("users", "items", "ratings")),
        Target("datasets.binarize_mnist", st.just(("datasets('binarize_mnist')", {})),
               ["X", "method", "threshold", "seed"], {
                   "X": lambda ctx: s.either(s.mostly(s.real_array(low=0.0, high=1.0)),
                                             _data()),
                   "method": lambda ctx: s.choices(["threshold", "stochastic"]),
                   "threshold": lambda ctx: s.reals(("0.5", "0.0", "1.0", "0.25"))},
               required=("X",)),
    ]


def _plot_targets() -> list[Target]:
    """boltz.plot: every figure on small results, on arrays, and on wrong things."""
    def results(*kinds):
        good = st.tuples(st.sampled_from(kinds), st.integers(0, 6)).map(
            lambda kk: f"result({kk[0]!r}, {kk[1]})")
        return lambda ctx: s.mostly(good, st.sampled_from(
            ["result('trace', 1)", "result('anneal', 2)", "result('tempering', 3)", "None",
             "1", "'result'"]))

    def ax(count):
        return lambda ctx: s.mostly(st.sampled_from([f"axes({count})", "None"]),
                                    st.sampled_from(["axes(1)", "axes(2)", "axes(5)", "1",
                                                     "'ax'", "[]", "[None]"]))

    def images(ctx):
        return s.either(st.sampled_from(["(2, 3)", "(3, 2)", "(6,)", "(1, 6)"]),
                        st.sampled_from(["(0, 0)", "(-2, -3)", "'ab'", "None", "(2.0, 3.0)"]))

    T = []
    for name, params, special in (
            ("thermodynamics", ["energies", "temperatures", "degeneracy",
                                "boltzmann_constant", "ax"],
             {"temperatures": lambda ctx: _data(), "ax": ax(4)}),
            ("trace", ["result", "max_lag", "ax"], {"result": results("trace"), "ax": ax(2)}),
            ("anneal", ["result", "ax"], {"result": results("anneal_records", "anneal"),
                                          "ax": ax(1)}),
            ("tempering", ["result", "ax"], {"result": results("tempering"), "ax": ax(3)}),
            ("rbm_filters", ["rbm_or_weights", "image_shape", "n_filters", "ncols", "ax"],
             {"rbm_or_weights": lambda ctx: s.either(
                 st.sampled_from(["rbm(0)", "rbm(1)", "rbm(2, fitted=False)"]),
                 _data(), st.sampled_from(["arr([[1.0] * 6] * 3, 'float64')"])),
              "image_shape": images, "ax": ax(1)}),
            ("reliability", ["probs_or_diagram", "labels", "n_bins", "ax"],
             {"probs_or_diagram": lambda ctx: s.either(
                 s.mostly(s.real_array(st.just((ctx["n"], ctx["k"]))).map(
                     lambda a: f"boltz.softmax({a}, axis=-1)")),
                 st.just("boltz.reliability_diagram([[0.9, 0.1], [0.4, 0.6]], [0, 0], 4)")),
              "labels": lambda ctx: s.either(st.just("None"), _labels(ctx)), "ax": ax(1)})):
        on = (_classes(name, f"plot({name!r})") if name == "reliability"
              else st.just((f"plot({name!r})", {})))
        T.append(Target(f"plot.{name}", on, params, special, required=params[:1] + (
            ["temperatures"] if name == "thermodynamics" else
            ["image_shape"] if name == "rbm_filters" else [])))
    return T


_CLI_INTS = st.sampled_from(["1", "2", "0", "-1", "1000000000000", "99999999999999999999",
                             "x", "1.5", ""])


# --plot FILE, sometimes: a file it writes, or one it must refuse
_PLOT_ARGV = st.one_of(st.just([]), st.sampled_from([
    "out_path('figure.png')", "out_path('figure.svg')", "'figure.txt'", "''",
    "'/nonexistent/dir/figure.png'", "out_path('')"]).map(lambda p: ["'--plot'", p]))


# --workers N, sometimes: only counts refused before a cluster starts (a fuzzed call must
# not start one); --shard-size without a cluster is refused too
_CLUSTER_ARGV = st.one_of(
    st.just([]),
    st.sampled_from(["0", "-1", "x", "1000000000000"]).map(lambda n: ["'--workers'", repr(n)]),
    _CLI_INTS.map(lambda n: ["'--shard-size'", repr(n)]))


@st.composite
def _anneal_argv(draw) -> str:
    argv = ["'anneal'", *draw(st.lists(s.paths(), min_size=1, max_size=3))]
    for option in ("--reads", "--sweeps", "--cycles", "--seed", "--threads"):
        if draw(st.booleans()):
            value = draw(_CLI_INTS) if option != "--sweeps" else draw(
                st.sampled_from(["1", "3", "0", "-1", "x"]))
            argv += [repr(option), repr(value)]
    if draw(st.integers(0, 5)) == 0:
        argv += ["'--out'", repr(draw(st.sampled_from(["x.txt", "/no/such/dir/x.npz", "''"])))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["'--target'", repr(draw(st.sampled_from(["-4", "0", "nan", "inf", "x",
                                                          "1e308", "-1e400"])))]
    if draw(st.booleans()):
        argv += ["'--beta-range'", repr(draw(st.sampled_from(["0", "1", "nan", "inf", "-1"]))),
                 repr(draw(st.sampled_from(["1", "2", "nan", "1e400"])))]
    for flag in ("--float32", "--schedule=linear", "--method=gibbs", "--order=random"):
        if draw(st.integers(0, 3)) == 0:
            argv.append(repr(flag))
    if "--sweeps" not in " ".join(argv):
        argv += ["'--sweeps'", "'5'"]
    return ", ".join(argv + draw(_CLUSTER_ARGV) + draw(_PLOT_ARGV))


@st.composite
def _ising_argv(draw) -> str:
    argv = ["'ising'", "'--size'", repr(draw(st.sampled_from(["2", "3", "0", "-1", "x",
                                                              "100000", "1.5"])))]
    argv += ["'--sweeps'", repr(draw(st.sampled_from(["5", "0", "-1", "x"]))),
             "'--burn-in'", repr(draw(st.sampled_from(["1", "0", "-1"])))]
    if draw(st.booleans()):
        argv += ["'--temperatures'"] + [repr(t) for t in draw(st.lists(st.sampled_from(
            ["1", "2.5", "0", "-1", "nan", "inf", "1e-320"]), min_size=1, max_size=3))]
    for option in ("--chains", "--seed", "--threads"):
        if draw(st.booleans()):
            argv += [repr(option), repr(draw(_CLI_INTS))]
    return ", ".join(argv + draw(_PLOT_ARGV))


TARGETS = _targets()

# Public names exercised through another target's calls (results are read attribute by
# attribute in the worker; the constructors that only store arguments are called by their
# methods' targets).
EXERCISED_BY = {
    "Thermodynamics": "thermodynamics", "Thermodynamics.beta": "thermodynamics",
    "SampleTrace": "sample", "AnnealResult": "Annealer.sample", "DescentResult": "descend",
    "TemperingResult": "ParallelTempering.sample", "Annealer": "Annealer.sample",
    "ParallelTempering": "ParallelTempering.sample", "RBM": "RBM.fit",
    "RatingsRBM": "RatingsRBM.fit",
    "GaussianRBM": "GaussianRBM.fit",
    "BoltzmannMachine": "BoltzmannMachine.fit", "BoltzmannMachine.n_units":
    "BoltzmannMachine.fit", "cli info": "not fuzzed: it takes no input but --no-check",
    "dimod.AnnealingSampler.sample": "dimod.AnnealingSampler",
    **{f"IsingModel.{p}": "IsingModel" for p in ("num_spins", "h", "offset", "dtype",
                                                 "is_dense", "num_bonds")},
    **{f"SampleTrace.{p}": "sample" for p in (
        "num_chains", "mean_energy", "mean_energy_se", "heat_capacity", "heat_capacity_se",
        "mean_abs_magnetization", "mean_abs_magnetization_se", "autocorrelation_time",
        "effective_sample_size")},
    **{f"TemperingResult.{p}": "ParallelTempering.sample" for p in (
        "mean_energy", "mean_energy_se", "heat_capacity", "mean_abs_magnetization")},
    "dimod.AnnealingSampler.parameters": "dimod.AnnealingSampler",
    "dimod.AnnealingSampler.properties": "dimod.AnnealingSampler",
    **{f"dimod.SteepestDescentSampler.{p}": "dimod.SteepestDescentSampler"
       for p in ("sample", "parameters", "properties")},
    **{f"dimod.SteepestDescentComposite.{p}": "dimod.SteepestDescentComposite"
       for p in ("sample", "children", "parameters", "properties")},
    "TemperatureFit": "fit_temperature", "ReliabilityDiagram": "reliability_diagram",
    "ModelResults": "map_models", "TimeToSolution": "time_to_solution",
    "datasets.MNIST": "datasets.fetch_mnist",
    **{f"datasets.MovieLens100k{p}": "datasets.fetch_movielens_100k"
       for p in ("", ".n_users", ".n_items")},
}
