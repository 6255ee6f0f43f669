"""boltz on Dask: every distributed call gives, bit for bit, what the single-process call
gives with the same seed, on real LocalClusters of 1, 2 and 3 worker processes; a worker
killed mid-run changes nothing; a time limit, an interrupt function (called on the client)
and Ctrl-C stop the running shards through an Event that does not outlive the call, and
every read comes back as the local run of its own sweeps; bad input and bad clients are
refused before anything is submitted."""
from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import boltz
from boltz.machines._partition import log_partition_ais

distributed = pytest.importorskip("distributed")

from interrupting import interrupt_call  # noqa: E402


def _cluster(n_workers):
    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                       processes=True, dashboard_address=":0")
    return cluster, distributed.Client(cluster)


@pytest.fixture(scope="module")
def client():
    cluster, c = _cluster(2)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module", params=[1, 3])
def other_client(request):
    cluster, c = _cluster(request.param)
    yield c
    c.close()
    cluster.close()


def _model(n=60, seed=1):
    return boltz.IsingModel.sherrington_kirkpatrick(n, seed=seed)


def _same_anneal(a, b):
    assert np.array_equal(a.states, b.states)
    assert np.array_equal(a.energies, b.energies)
    assert np.array_equal(a.best_state, b.best_state) and a.best_energy == b.best_energy
    for name in ("trace_sweeps", "trace_energies", "trace_best_energies", "final_states",
                 "final_energies"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None and y is None) or np.array_equal(x, y), name


def _check_calls(c):
    """Anneal, sample, AIS and map_models on client `c` against the local calls."""
    model = _model()
    annealer = boltz.Annealer(num_sweeps=150, num_cycles=2)
    here = annealer.sample(model, num_reads=7, seed=5, record_every=20)
    for shard_size in (None, 1, 3):
        there = annealer.sample(model, num_reads=7, seed=5, record_every=20, client=c,
                                shard_size=shard_size)
        _same_anneal(here, there)
        covered = [r for a, b in there.info["shards"] for r in range(a, b)]
        assert covered == list(range(7)) and not there.info["interrupted"]

    here = boltz.sample(model, 0.7, num_chains=5, num_sweeps=60, thin=2, seed=3,
                        return_states=True)
    there = boltz.sample(model, 0.7, num_chains=5, num_sweeps=60, thin=2, seed=3,
                         return_states=True, client=c, shard_size=2)
    for name in ("energies", "magnetizations", "final_states", "states"):
        assert np.array_equal(getattr(here, name), getattr(there, name)), name
    assert here.info["num_records"] == there.info["num_records"] == 30

    rng = np.random.default_rng(0)
    W, b, h = rng.normal(0, 0.4, (12, 5)), rng.normal(0, 0.2, 12), rng.normal(0, 0.2, 5)
    here = log_partition_ais(W, b, h, n_betas=50, n_runs=250, seed=9)
    there = log_partition_ais(W, b, h, n_betas=50, n_runs=250, seed=9, client=c,
                              shard_size=100)
    assert np.array_equal(here.log_weights, there.log_weights)
    assert here.log_z == there.log_z and here.log_z_se == there.log_z_se

    models = [_model(n, seed=n) for n in (20, 30, 40, 50)]
    pt = boltz.ParallelTempering(np.linspace(0.2, 1.0, 5), num_sweeps=80)
    here, there = pt.sample(models, seed=2), pt.sample(models, seed=2, client=c)
    assert [r.final_states.shape[1] for r in there] == [20, 30, 40, 50]   # input order
    for x, y in zip(here, there, strict=True):
        assert np.array_equal(x.energies, y.energies)
        assert np.array_equal(x.swap_acceptance, y.swap_acceptance)
        assert x.best_energy == y.best_energy


def test_each_call_on_two_workers_is_bit_identical_to_the_local_call(client):
    _check_calls(client)


def test_polished_anneal_on_the_cluster(client):
    """Annealer(polish=True): the shards polish their reads, as the local run does."""
    annealer = boltz.Annealer(num_sweeps=5, polish=True)
    here = annealer.sample(_model(), num_reads=6, seed=2)
    there = annealer.sample(_model(), num_reads=6, seed=2, client=client, shard_size=2)
    _same_anneal(here, there)
    assert here.info["polished_reads"] == there.info["polished_reads"] == 6


@pytest.mark.slow
def test_each_call_on_one_and_three_workers_is_bit_identical(other_client):
    _check_calls(other_client)


def test_rbm_ais_and_progress_on_the_cluster(client, capsys):
    X = (np.random.default_rng(0).random((60, 10)) < 0.3).astype(float)
    rbm = boltz.RBM(n_components=4, n_iter=3, random_state=0).fit(X)
    here = rbm.log_partition("ais", n_betas=40, n_runs=300, seed=4)
    there = rbm.log_partition("ais", n_betas=40, n_runs=300, seed=4, client=client,
                              shard_size=100)
    assert here == there and rbm.ais_.log_weights.size == 300
    assert abs(there - rbm.log_partition("exact")) < 5 * rbm.ais_.log_z_se + 0.05
    # a progress bar over the shards, on stderr
    boltz.Annealer(num_sweeps=20, progress=True).sample(_model(20), num_reads=4, seed=0,
                                                        client=client, shard_size=1)
    err = capsys.readouterr().err
    assert "anneal" in err and ("4/4" in err or "100%" in err)


def test_target_energy_on_the_cluster_matches_the_local_run(client):
    model = boltz.IsingModel.square_lattice(12)
    annealer = boltz.Annealer(num_sweeps=800, beta_range=(0.1, 3.0))
    here = annealer.sample(model, num_reads=6, seed=2, target_energy=-280)
    there = annealer.sample(model, num_reads=6, seed=2, target_energy=-280, client=client,
                            shard_size=2)
    _same_anneal(here, there)
    np.testing.assert_array_equal(here.info["sweeps_to_target"],
                                  there.info["sweeps_to_target"])
    assert here.info["stopped_by"] == there.info["stopped_by"]


def test_sample_with_a_target_energy_on_the_cluster_matches_the_local_run(client):
    # shards of two chains end at their own last chain's stop (one never reaches it in
    # the 10-sweep run): the cluster's records are the local run's, frozen states included
    model = boltz.IsingModel.square_lattice(8)
    for num_sweeps in (10, 400):
        kwargs = {"num_chains": 7, "num_sweeps": num_sweeps, "burn_in": 3, "thin": 2,
                  "seed": 4, "return_states": True, "target_energy": -128}
        here = boltz.sample(model, 0.5, **kwargs)
        there = boltz.sample(model, 0.5, client=client, shard_size=2, **kwargs)
        for name in ("energies", "magnetizations", "final_states", "states"):
            assert np.array_equal(getattr(here, name), getattr(there, name)), name
        for key in ("sweeps_to_target", "chain_sweeps", "num_records", "num_sweeps",
                    "burn_in", "stopped_by"):
            assert np.array_equal(here.info[key], there.info[key]), key
        steps = here.info["sweeps_to_target"]
        assert np.any(steps > 0) and (num_sweeps == 10) == np.any(steps < 0)


def test_one_ladder_on_the_cluster_matches_the_local_run(client):
    model = _model(30)
    pt = boltz.ParallelTempering([0.3, 0.6, 1.0], num_sweeps=100)
    here = pt.sample(model, seed=np.random.SeedSequence(4))
    there = pt.sample(model, seed=np.random.SeedSequence(4), client=client)
    assert isinstance(there, boltz.TemperingResult)
    assert np.array_equal(here.energies, there.energies)


# ---- budgets on the cluster: the client keeps them and stops the shards through an Event

def _events(c):
    """The names of the Events the scheduler holds."""
    return c.run_on_scheduler(
        lambda dask_scheduler: sorted(map(str, dask_scheduler.extensions["events"]._events)))


def _stop_after(k):
    """An interrupt function that is true from its k-th call on, and the threads that
    called it (it never travels: a copy called on a worker would not append here)."""
    callers = []

    def stop():
        callers.append(threading.get_ident())
        return len(callers) >= k
    return stop, callers


def _same_as_local_reruns(result, model, seed, num_reads):
    """Each shard's reads are the anneal of its own streams along the first read_sweeps
    betas of the schedule, run here (one cycle)."""
    from boltz._random import RandomStreams

    streams = RandomStreams(seed, num_reads)
    sweeps = result.info["read_sweeps"]
    assert [r for a, b in result.info["shards"] for r in range(a, b)] == list(range(num_reads))
    for a, b in result.info["shards"]:
        k = int(sweeps[a])
        assert np.all(sweeps[a:b] == k) and k > 0
        alone = boltz.Annealer(schedule=result.info["betas"][:k]).sample(
            model, num_reads=b - a, seed=streams[a:b])
        assert np.array_equal(alone.states, result.states[a:b])
        assert np.array_equal(alone.final_states, result.final_states[a:b])


def test_a_time_limit_stops_the_shards_of_a_cluster_anneal(client):
    model = _model(40)
    annealer = boltz.Annealer(num_sweeps=10**6)        # minutes of work: the limit stops it
    result = annealer.sample(model, num_reads=6, seed=5, time_limit=0.2, client=client,
                             record_every=500)
    assert result.info["stopped_by"] == "time_limit" and not result.info["interrupted"]
    assert result.states.shape == (6, 40)                      # every read, each shard's
    assert result.info["sweeps_done"] == result.info["read_sweeps"].min() < 10**6
    _same_as_local_reruns(result, model, 5, 6)
    # the records every shard took; each read's last record is its state's energy
    assert result.trace_energies.shape == (result.trace_sweeps.size, 6)
    assert np.all(result.trace_sweeps % 500 == 0) and _events(client) == []


def test_an_interrupt_function_is_called_on_the_client_and_stops_the_cluster(client):
    model = _model(40)
    stop, callers = _stop_after(3)
    result = boltz.Annealer(num_sweeps=10**6).sample(model, num_reads=4, seed=8,
                                                     interrupt_function=stop, client=client,
                                                     shard_size=1)
    assert result.info["stopped_by"] == "interrupt_function"
    assert len(callers) == 3 and set(callers) == {threading.get_ident()}
    assert result.info["sweeps_done"] < 10**6
    _same_as_local_reruns(result, model, 8, 4)
    assert _events(client) == []


def test_budgets_stop_sample_and_tempering_on_the_cluster(client):
    from boltz._random import RandomStreams

    model = _model(30)
    stop, callers = _stop_after(4)
    trace = boltz.sample(model, 0.5, num_chains=4, num_sweeps=10**8, burn_in=5, seed=1,
                         interrupt_function=stop, client=client, shard_size=2)
    kept = trace.info["num_records"]
    assert trace.info["stopped_by"] == "interrupt_function" and len(callers) == 4
    assert trace.energies.shape == (4, kept) and kept < 10**8
    # the records every chain finished, as the run of that many records gives them
    assert np.array_equal(trace.energies, boltz.sample(model, 0.5, num_chains=4,
                                                       num_sweeps=max(kept, 1), burn_in=5,
                                                       seed=1).energies[:, :kept])
    streams = RandomStreams(1, 4)        # each chain's final state: its own sweeps, run here
    for a, b in trace.info["shards"]:
        done = int(trace.info["chain_sweeps"][a])
        if done > 5:
            alone = boltz.sample(model, 0.5, num_chains=b - a, num_sweeps=done - 5, burn_in=5,
                                 seed=streams[a:b])
            assert np.array_equal(alone.final_states, trace.final_states[a:b])
    timed = boltz.sample(model, 0.5, num_chains=4, num_sweeps=10**8, seed=1, time_limit=0.2,
                         client=client)
    assert timed.info["stopped_by"] == "time_limit" and timed.info["num_records"] < 10**8

    pt = boltz.ParallelTempering([0.3, 0.6, 1.0], num_sweeps=10**7)
    stop, callers = _stop_after(2)
    ladder = pt.sample(model, seed=3, interrupt_function=stop, client=client)
    done = ladder.info["num_records"]
    assert ladder.info["stopped_by"] == "interrupt_function" and 0 < done < 10**7
    assert set(callers) == {threading.get_ident()} and len(callers) == 2
    short = boltz.ParallelTempering([0.3, 0.6, 1.0], num_sweeps=done).sample(model, seed=3)
    assert np.array_equal(short.energies, ladder.energies)
    assert pt.sample(model, seed=3, time_limit=0.2, client=client).info["stopped_by"] == \
        "time_limit"
    # several models: the function stays here, every model's run stops
    stop, callers = _stop_after(2)
    each = pt.sample([model, _model(20)], seed=3, interrupt_function=stop, client=client)
    assert [r.info["stopped_by"] for r in each] == ["interrupt_function"] * 2
    assert _events(client) == []


def test_the_stop_event_is_removed_after_an_error(client):
    def broken():
        raise RuntimeError("no budget today")

    with pytest.raises(RuntimeError, match="no budget today"):
        boltz.Annealer(num_sweeps=10**6).sample(_model(20), num_reads=2, seed=0,
                                                interrupt_function=broken, client=client)

    def fails_once_stopped(model, seed=None, interrupt_function=None):
        while not interrupt_function():              # the task's flag: the event, read
            time.sleep(0.01)
        raise RuntimeError("stopped, then failed")

    with pytest.raises(RuntimeError, match="then failed"):
        boltz.map_models(fails_once_stopped, _model(20), client=client,
                         interrupt_function=lambda: True)
    assert _tasks_left(client) == [] and _events(client) == []


def test_map_models_over_files_and_objects_in_input_order(client, tmp_path):
    # instance files (a Gset edge list and an .npz), loaded where they run
    rng = np.random.default_rng(1)
    files = []
    for k, n in enumerate((12, 16, 20)):
        i, j = np.triu_indices(n, 1)
        keep = rng.random(i.size) < 0.4
        path = tmp_path / f"g{k}.txt"
        rows = [f"{a + 1} {b + 1} 1" for a, b in zip(i[keep], j[keep], strict=True)]
        path.write_text(f"{n} {len(rows)}\n" + "\n".join(rows) + "\n")
        files.append(str(path))
    m = _model(24)
    np.savez(tmp_path / "sk.npz", J=m.couplings_dense())
    files.append(str(tmp_path / "sk.npz"))
    annealer = boltz.Annealer(num_sweeps=100)
    here = boltz.map_models(annealer, files, seed=7, num_reads=3)
    there = boltz.map_models(annealer, files, seed=7, num_reads=3, client=client)
    assert not here.interrupted and not there.interrupted
    for k, (x, y) in enumerate(zip(here, there, strict=True)):
        assert np.array_equal(x.states, y.states), files[k]
    # the result of a model depends on its position and the seed only: model k alone with
    # child k of the seed gives the same
    child = np.random.SeedSequence(7).spawn(len(files))[1]
    alone = annealer.sample(boltz.IsingModel.from_maxcut(files[1]), num_reads=3, seed=child)
    assert np.array_equal(alone.states, here[1].states)
    # a function as the sampler, and several samplers over one model
    f_here = boltz.map_models(boltz.sample, [m, m], seed=1, beta=0.5, num_chains=2,
                              num_sweeps=30)
    f_there = boltz.map_models(boltz.sample, [m, m], seed=1, beta=0.5, num_chains=2,
                               num_sweeps=30, client=client)
    assert all(np.array_equal(x.energies, y.energies) for x, y in zip(f_here, f_there,
                                                                     strict=True))
    ladders = [boltz.ParallelTempering(np.linspace(0.1, top, 4), num_sweeps=50)
               for top in (0.5, 1.0, 2.0)]
    scan = boltz.map_models(ladders, m, seed=3, client=client)
    assert [float(r.betas[-1]) for r in scan] == [0.5, 1.0, 2.0]
    assert np.array_equal(scan[2].energies, ladders[2].sample(m, seed=np.random.SeedSequence(
        3).spawn(3)[2]).energies)


def _tasks_left(c, wait=5.0):
    """The keys the scheduler still holds, once the client's releases have arrived."""
    deadline = time.monotonic() + wait
    while True:
        keys = c.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.tasks))
        if not keys or time.monotonic() > deadline:
            return keys
        time.sleep(0.05)


def test_nothing_of_a_call_stays_on_the_cluster(client):
    # results and scattered models are released when the call returns or raises, not when
    # the garbage collector happens to break a reference cycle (or never, after an error)
    import gc

    model = _model(20)
    rng = np.random.default_rng(0)
    W, b, h = rng.normal(0, 0.4, (8, 4)), rng.normal(0, 0.2, 8), rng.normal(0, 0.2, 4)

    def fails(m, seed=None):
        if m.num_spins == 21:
            raise RuntimeError("boom")
        return m.num_spins

    gc.disable()
    try:
        boltz.Annealer(num_sweeps=20).sample(model, num_reads=4, seed=0, client=client,
                                             shard_size=1)
        assert _tasks_left(client) == []
        log_partition_ais(W, b, h, n_betas=10, n_runs=300, seed=1, client=client,
                          shard_size=100)                 # (W, b, c) scattered as 3 keys
        assert _tasks_left(client) == []
        with pytest.raises(RuntimeError, match="boom"):
            boltz.map_models(fails, [_model(n) for n in (20, 21, 22)], client=client)
        assert _tasks_left(client) == []
    finally:
        gc.enable()


def test_a_seed_sequence_advances_as_in_the_local_run(client):
    # the same SeedSequence passed twice gives two different runs, here and there alike
    model = _model(20)
    pt = boltz.ParallelTempering([0.3, 1.0], num_sweeps=40)
    here, there = np.random.SeedSequence(6), np.random.SeedSequence(6)
    for _ in range(2):
        x, y = pt.sample(model, seed=here), pt.sample(model, seed=there, client=client)
        assert np.array_equal(x.energies, y.energies)
    assert here.n_children_spawned == there.n_children_spawned == 4
    annealer = boltz.Annealer(num_sweeps=20)
    for _ in range(2):
        x = annealer.sample(model, num_reads=3, seed=here)
        y = annealer.sample(model, num_reads=3, seed=there, client=client, shard_size=1)
        _same_anneal(x, y)


def test_bad_input_is_refused_before_anything_is_submitted():
    # an unreachable scheduler is never contacted: the argument error comes first
    model = _model(10)
    nowhere = "tcp://127.0.0.1:9"
    with pytest.raises(ValueError, match="num_reads"):
        boltz.Annealer(num_sweeps=10).sample(model, num_reads=0, client=nowhere)
    with pytest.raises(ValueError, match="beta_range"):
        boltz.Annealer(beta_range=(2, 1)).sample(model, client=nowhere)
    with pytest.raises(ValueError, match="initial_states"):
        boltz.Annealer().sample(model, num_reads=3, initial_states=np.ones((2, 10)),
                                client=nowhere)
    with pytest.raises(ValueError, match="beta"):
        boltz.sample(model, -1.0, client=nowhere)
    with pytest.raises(TypeError, match="client"):
        boltz.Annealer().sample(model, client=3)
    with pytest.raises(ValueError, match="client"):
        boltz.Annealer().sample(model, client="")
    with pytest.raises(TypeError, match="sampler"):
        boltz.map_models(object(), [model])
    with pytest.raises(ValueError, match=r"models\[1\]"):
        boltz.map_models(boltz.Annealer(), [model, "/no/such/file.txt"])
    with pytest.raises(ValueError, match="initial_states"):
        boltz.ParallelTempering([0.1, 1.0]).sample([model, model], initial_states=np.ones(10))
    # what a shard would have refused on a worker, and what the client could not hold
    with pytest.raises(ValueError, match="reheat_beta"):
        boltz.Annealer(num_sweeps=10, num_cycles=2, reheat_beta=1e9).sample(model,
                                                                            client=nowhere)
    with pytest.raises(ValueError, match="shard_size"):
        boltz.Annealer(num_sweeps=10).sample(model, shard_size=0, client=nowhere)
    with pytest.raises(ValueError, match="shard_size"):
        boltz.sample(model, 0.5, shard_size=0, client=nowhere)
    with pytest.raises(ValueError, match=r"num_reads=10+ needs .* on the client"):
        boltz.Annealer(num_sweeps=10).sample(model, num_reads=10**12, client=nowhere)
    with pytest.raises(ValueError, match=r"num_sweeps=10+ \(with num_chains=4"):
        boltz.sample(model, 0.5, num_chains=4, num_sweeps=10**12, return_states=True,
                     client=nowhere)
    with pytest.raises(ValueError, match="num_sweeps"):
        boltz.ParallelTempering([0.1, 1.0], num_sweeps=0).sample(model, client=nowhere)
    with pytest.raises(ValueError, match="swap_interval"):
        boltz.ParallelTempering([0.1, 1.0], swap_interval=0).sample([model, model],
                                                                   client=nowhere)
    with pytest.raises(ValueError, match="initial_states"):
        boltz.ParallelTempering([0.1, 1.0]).sample(model, initial_states=np.ones((3, 10)),
                                                   client=nowhere)


def test_unreachable_scheduler_and_closed_client_are_clear_errors(monkeypatch):
    from boltz.distributed import _cluster as connecting

    monkeypatch.setattr(connecting, "CONNECT_TIMEOUT", 1)
    model = _model(10)
    with pytest.raises(ValueError, match=r"client: no Dask scheduler answered at "
                                         r"'tcp://127.0.0.1:9'"):
        boltz.Annealer(num_sweeps=10).sample(model, client="tcp://127.0.0.1:9")
    with pytest.raises(ValueError, match="is not a Dask scheduler address"):
        boltz.sample(model, 0.5, client="not a scheme://x")
    cluster, c = _cluster(0)                  # a scheduler without workers: no hang
    try:
        with pytest.raises(ValueError, match="has no workers"):
            boltz.Annealer(num_sweeps=10).sample(model, client=c)
    finally:
        c.close()
        cluster.close()
    with pytest.raises(ValueError, match="client is closed"):
        boltz.Annealer(num_sweeps=10).sample(model, client=c)


def test_without_client_dask_is_not_imported():
    import subprocess
    import sys

    code = ("import sys, boltz; m = boltz.IsingModel.square_lattice(4); "
            "boltz.Annealer(num_sweeps=10).sample(m, seed=0); "
            "boltz.map_models(boltz.Annealer(num_sweeps=10), [m, m], seed=0); "
            "print('distributed' in sys.modules, 'dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.slow
def test_client_local_starts_a_cluster_for_the_call_and_closes_it():
    psutil = pytest.importorskip("psutil")
    model = _model(40)
    annealer = boltz.Annealer(num_sweeps=100)

    def children():                            # multiprocessing's resource tracker stays
        pids = set()
        for p in psutil.Process().children(recursive=True):
            try:
                if "resource_tracker" not in " ".join(p.cmdline()):
                    pids.add(p.pid)
            except psutil.Error:               # gone meanwhile
                pass
        return pids

    before = children()
    there = annealer.sample(model, num_reads=6, seed=2, client="local", shard_size=2)
    _same_anneal(annealer.sample(model, num_reads=6, seed=2), there)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:         # worker processes gone with the cluster
        left = children() - before
        if not left:
            break
        time.sleep(0.1)
    assert not left


@pytest.mark.slow
@pytest.mark.parametrize("n_workers", [1, 2])
def test_a_worker_killed_mid_run_changes_nothing(n_workers, tmp_path):
    # with one worker, the model scattered to it is lost with it and sent again
    cluster, c = _cluster(n_workers)
    try:
        model = _model(300, seed=3)
        annealer = boltz.Annealer(num_sweeps=20000)
        here = annealer.sample(model, num_reads=8, seed=11)
        before = set(c.nthreads())
        marker = _kill_the_first_worker_to_run_a_task(c, tmp_path)
        there = annealer.sample(model, num_reads=8, seed=11, client=c, shard_size=2)
        assert marker.exists()                 # a worker died running one of the shards
        _same_anneal(here, there)
        c.wait_for_workers(n_workers)
        assert set(c.nthreads()) != before     # the nanny restarted the killed worker
    finally:
        c.close()
        cluster.close()


class _KillFirstExecutor(distributed.WorkerPlugin):
    """SIGKILLs the worker process that first starts executing a task, once: the worker
    that creates `marker` (atomically) is the one that dies, whatever the machine's speed."""

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing":
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


def _kill_the_first_worker_to_run_a_task(c, folder):
    """Install _KillFirstExecutor on `c`'s workers (and those the nanny restarts); the
    marker file, which exists once a worker was killed."""
    marker = folder / "killed"
    c.register_plugin(_KillFirstExecutor(str(marker)), name="kill-first-executor")
    return marker


@pytest.mark.slow
def test_map_models_with_a_worker_killed_mid_run_changes_nothing(tmp_path):
    # each model is scattered to one worker only: those of the killed worker are sent again
    # to a live one (they went to the dead worker's address: KeyError)
    cluster, c = _cluster(2)
    try:
        models = [_model(200, seed=s) for s in range(4)]
        annealer = boltz.Annealer(num_sweeps=40000)
        here = boltz.map_models(annealer, models, seed=1, num_reads=2)
        marker = _kill_the_first_worker_to_run_a_task(c, tmp_path)
        there = boltz.map_models(annealer, models, seed=1, num_reads=2, client=c)
        assert marker.exists()                 # a worker died running one of the models
        for x, y in zip(here, there, strict=True):
            _same_anneal(x, y)
    finally:
        c.close()
        cluster.close()


@pytest.mark.slow
def test_a_client_closed_mid_run_is_a_clear_error():
    cluster, c = _cluster(2)
    try:
        closer = threading.Timer(0.5, c.close)
        closer.start()
        with pytest.raises(RuntimeError, match="client: the Dask client was closed"):
            # a run of minutes: the close comes during it on any machine
            boltz.Annealer(num_sweeps=1_000_000).sample(_model(200), num_reads=16, seed=1,
                                                        client=c, shard_size=1)
        closer.join()
    finally:
        c.close()
        cluster.close()


@pytest.mark.slow
def test_ctrl_c_stops_the_running_shards_and_keeps_every_read():
    setup = """
        import json, numpy as np, boltz, distributed
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
        client = distributed.Client(cluster)
        model = boltz.IsingModel.sherrington_kirkpatrick(200, seed=3)
        # 32 shards of 2 reads on 2 workers, each shard seconds long: the run is far longer
        # than the hang limit, so only Ctrl-C ends it
        annealer = boltz.Annealer(num_sweeps=1_000_000)
        boltz.Annealer(num_sweeps=10).sample(model, num_reads=2, client=client)  # warm up
    """
    call = "annealer.sample(model, num_reads=64, seed=11, client=client, shard_size=2)"
    report = """
        events = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.extensions["events"]._events))
        print(json.dumps({"interrupted": result.info["interrupted"],
                          "stopped_by": result.info["stopped_by"],
                          "shards": result.info["shards"], "events": events,
                          "read_sweeps": result.info["read_sweeps"].tolist(),
                          "betas": result.info["betas"][
                              :result.info["read_sweeps"].max()].tolist(),
                          "states": result.states.tolist()}))
    """
    got = interrupt_call(setup, call, report, delay=3.0, hang_limit=60)
    assert got.report is not None, got.stderr
    assert got.report["interrupted"] is True and got.report["stopped_by"] is None
    assert got.report["events"] == []
    shards = [tuple(s) for s in got.report["shards"]]
    assert shards == [(a, a + 2) for a in range(0, 64, 2)]          # every read came back
    sweeps = np.array(got.report["read_sweeps"])
    assert 0 < sweeps.min() < 1_000_000       # every shard ran; Ctrl-C cut the run short
    # each shard's reads are those of its streams along the sweeps it did, run alone (the
    # latency is measured by bench/ctrl_c_latency.py)
    from boltz._random import RandomStreams

    streams = RandomStreams(11, 64)
    model = _model(200, seed=3)
    betas = np.array(got.report["betas"])
    kept = np.array(got.report["states"], dtype=np.int8)
    for a, b in shards:
        alone = boltz.Annealer(schedule=betas[:sweeps[a]]).sample(model, num_reads=b - a,
                                                                   seed=streams[a:b])
        assert np.array_equal(kept[a:b], alone.states)


def test_multispin_anneal_on_a_cluster_is_the_local_one(client):
    # shards of 70 reads are rounded up to 128: a group of 64 reads stays on one task
    rng = np.random.default_rng(1)
    J = np.triu(rng.choice([-1.0, 1.0], (40, 40)) * (rng.random((40, 40)) < 0.1), 1)
    model = boltz.IsingModel(J + J.T)
    annealer = boltz.Annealer(num_sweeps=200, multispin=True)
    local = annealer.sample(model, num_reads=200, seed=4)
    remote = annealer.sample(model, num_reads=200, seed=4, client=client, shard_size=70)
    assert remote.info["shards"] == [(0, 128), (128, 200)]
    np.testing.assert_array_equal(remote.states, local.states)
    np.testing.assert_array_equal(remote.final_states, local.final_states)
