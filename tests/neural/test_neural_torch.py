"""PyTorch networks (skorch) inside the learners: adapters, MC dropout,
embeddings, BADGE, warm start and the errors for unfit networks."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from sklearn.base import clone, is_classifier, is_regressor  # noqa: E402
from sklearn.datasets import load_diabetes, make_regression  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402
from torch_nets import MLP  # noqa: E402

from skal import (  # noqa: E402
    CommitteeSampler,
    RandomSampler,
    UncertaintySamplingClassifier,
)
from skal.neural import (  # noqa: E402
    BADGEClassifier,
    MCDropoutClassifier,
    MCDropoutRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    embed,
    gradient_embedding,
    mc_dropout_predict,
    mc_dropout_proba,
)


def make_net(classes=None, **module_kwargs):
    params = {f"module__{k}": v for k, v in module_kwargs.items()}
    return NeuralNetClassifier(
        MLP, max_epochs=4, lr=0.1, verbose=0, classes=classes, **params
    )


def partially_labeled(y, per_class=2):
    y_partial = np.full_like(y, -1)
    for c in np.unique(y):
        y_partial[np.flatnonzero(y == c)[:per_class]] = c
    return y_partial


# ------------------------------------------------------------------ adapter
def test_skorch_helper_trains_on_every_label_and_casts_float64(blobs):
    X, y = blobs
    net = make_net(hidden=8)
    assert net.train_split is None
    # scikit-learn's float64 and int32 would clash with float32 weights / NLLLoss.
    net.fit(X.astype(np.float64), y.astype(np.int32))
    proba = net.predict_proba(X.astype(np.float64))
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert is_classifier(net) and is_classifier(clone(net))
    assert clone(net).get_params()["module__hidden"] == 8


def test_skorch_regressor_helper_reshapes_a_1d_target():
    X, y = make_regression(n_samples=200, n_features=4, noise=1.0, random_state=0)
    y = (y - y.mean()) / y.std()
    net = NeuralNetRegressor(
        MLP,
        module__n_out=1,
        module__dropout=0,
        module__softmax=False,
        max_epochs=40,
        lr=0.05,
        verbose=0,
    )
    assert net.get_dataset(X, y).y.shape == (200, 1)
    net.fit(X, y)
    assert is_regressor(net)
    assert net.predict(X[:5]).shape == (5,)
    # A loss broadcasting (n,) against (n, 1) would learn the mean: R^2 near 0.
    assert net.score(X, y) > 0.8


# ------------------------------------------------- every learner takes a net
def test_raw_skorch_net_in_a_pipeline_inside_uncertainty_sampling(blobs):
    X, y = blobs
    raw = skorch.NeuralNetClassifier(
        MLP, max_epochs=4, lr=0.1, train_split=None, verbose=0
    )
    pipe = make_pipeline(
        StandardScaler(), FunctionTransformer(lambda Z: Z.astype(np.float32)), raw
    )
    learner = UncertaintySamplingClassifier(
        pipe, measure="entropy", batch_size=5, random_state=0
    ).fit(X, partially_labeled(y))
    idx = learner.query()
    assert len(set(idx.tolist())) == 5
    learner.teach(y=y[idx], indices=idx)
    assert learner.n_labeled_ == 11
    assert learner.predict_proba(X).shape == (len(X), 3)


def test_grid_search_over_learner_and_network_parameters(blobs):
    X, y = blobs
    # A network has one output per class from the start: declare them all,
    # on the net and on the learner, for the rounds that have not seen them.
    learner = MCDropoutClassifier(
        make_net(classes=[0, 1, 2]),
        n_passes=4,
        batch_size=10,
        budget=30,
        classes=[0, 1, 2],
        random_state=0,
    )
    search = GridSearchCV(
        learner, {"measure": ["bald", "mean_std"], "estimator__max_epochs": [3]}, cv=2
    ).fit(X, y)
    assert search.best_estimator_.n_labeled_ == 30
    assert 0.0 <= search.best_score_ <= 1.0


def test_cross_val_score_of_a_simulated_learner(blobs):
    X, y = blobs
    learner = BADGEClassifier(make_net(), batch_size=10, budget=30, random_state=0)
    scores = cross_val_score(learner, X, y, cv=2)
    assert scores.shape == (2,)


def test_network_members_form_a_deep_ensemble_committee(blobs):
    X, y = blobs
    learner = CommitteeSampler(
        make_net(),
        n_members=3,
        measure="mutual_information",
        bootstrap=False,
        batch_size=4,
        random_state=0,
    ).fit(X, partially_labeled(y))
    idx, scores = learner.query(return_scores=True)
    assert len(set(idx.tolist())) == 4
    # Members start from different random weights, so they disagree somewhere.
    assert scores.max() > 0


# -------------------------------------------------------------- MC dropout
def test_mc_dropout_passes_are_stochastic_seeded_and_leave_the_net_as_found(blobs):
    X, y = blobs
    net = make_net(batchnorm=True).fit(X, y)
    bn = net.module_.body[2]
    running = bn.running_mean.clone()
    before = net.predict_proba(X)
    mode = net.module_.training

    P = mc_dropout_proba(net, X, n_passes=6, random_state=0)
    assert P.shape == (6, len(X), 3)
    np.testing.assert_allclose(P.sum(axis=2), 1, atol=1e-5)
    assert P.std(axis=0).max() > 1e-3, "dropout was not active"
    np.testing.assert_array_equal(P, mc_dropout_proba(net, X, 6, random_state=0))
    assert not np.allclose(P, mc_dropout_proba(net, X, 6, random_state=1))
    # Batch norm stayed in eval mode: its running statistics did not move.
    torch.testing.assert_close(bn.running_mean, running)
    assert net.module_.training == mode
    np.testing.assert_allclose(net.predict_proba(X), before)


def test_mc_dropout_through_a_pipeline_and_a_fitted_search(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), make_net()).fit(X, y)
    assert mc_dropout_proba(pipe, X[:7], 3, random_state=0).shape == (3, 7, 3)
    search = GridSearchCV(make_net(), {"max_epochs": [2]}, cv=2).fit(X, y)
    assert mc_dropout_proba(search, X[:7], 3, random_state=0).shape == (3, 7, 3)


@pytest.mark.parametrize(
    "strategy", ["bald", "mean_std", "variation_ratios", "consensus_entropy"]
)
def test_mc_dropout_learner_strategies(blobs, strategy):
    X, y = blobs
    learner = MCDropoutClassifier(
        make_net(), measure=strategy, n_passes=5, batch_size=6, random_state=0
    ).fit(X, partially_labeled(y))
    idx, scores = learner.query(return_scores=True)
    assert len(set(idx.tolist())) == 6
    assert not np.isin(idx, learner.labeled_indices_).any()
    assert np.all(np.diff(scores) <= 1e-12), "most informative first"
    all_scores = learner.informativeness()
    assert all_scores.shape == (len(X) - 6,)
    assert np.all(all_scores >= 0)


def test_mc_dropout_learner_is_reproducible_and_pickles_mid_loop(blobs):
    X, y = blobs

    def run():
        torch.manual_seed(0)
        return MCDropoutClassifier(
            make_net(), n_passes=5, batch_size=5, budget=25, random_state=0
        ).fit(X, y)

    a, b = run(), run()
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.query(X[:20]), a.query(X[:20]))


def test_random_state_alone_makes_runs_repeat(blobs):
    """No torch.manual_seed by the user: random_state seeds the network's
    initialisation and the dropout masks, whatever torch's global state."""
    X, y = blobs

    def run(global_seed):
        torch.manual_seed(global_seed)  # a user's unrelated torch work
        learner = MCDropoutClassifier(
            make_net(), n_passes=5, batch_size=5, budget=25, random_state=0
        ).fit(X, y)
        return learner, learner.informativeness(X[:30])

    (a, sa), (b, sb) = run(1), run(2)
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)
    np.testing.assert_allclose(sa, sb)
    wa = a.estimator_.module_.body[0].weight.detach()
    wb = b.estimator_.module_.body[0].weight.detach()
    assert torch.equal(wa, wb)
    # And random_state does matter.
    c = MCDropoutClassifier(
        make_net(), n_passes=5, batch_size=5, budget=25, random_state=1
    ).fit(X, y)
    assert not torch.equal(wa, c.estimator_.module_.body[0].weight.detach())


def test_mc_dropout_regressor():
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    net = NeuralNetRegressor(
        MLP,
        module__n_in=10,
        module__n_out=1,
        module__softmax=False,
        max_epochs=5,
        lr=0.05,
        verbose=0,
    )
    preds = mc_dropout_predict(net.fit(X, y), X[:9], n_passes=4, random_state=0)
    assert preds.shape == (4, 9)
    y_partial = y.copy()
    y_partial[30:] = np.nan
    learner = MCDropoutRegressor(net, n_passes=4, batch_size=3, random_state=0)
    idx, scores = learner.fit(X, y_partial).query(return_scores=True)
    assert np.all(idx >= 30) and np.all(scores > 0)


# -------------------------------------------------------------- warm start
def test_warm_start_continues_training_the_same_network(blobs):
    X, y = blobs
    y_partial = partially_labeled(y)
    learner = MCDropoutClassifier(
        make_net(), n_passes=3, batch_size=5, warm_start=True, random_state=0
    ).fit(X, y_partial)
    first = learner.estimator_
    weights = first.module_.body[0].weight.detach().clone()
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.estimator_ is first
    assert len(learner.estimator_.history) == 2 * 4, "epochs accumulate"
    assert not torch.equal(first.module_.body[0].weight, weights)
    # The template is untouched: a new fit starts cold.
    assert learner.estimator.warm_start is False
    learner.fit(X, y_partial)
    assert learner.estimator_ is not first
    assert len(learner.estimator_.history) == 4


def test_cold_start_trains_a_fresh_clone_each_round(blobs):
    X, y = blobs
    learner = MCDropoutClassifier(
        make_net(), n_passes=3, batch_size=5, random_state=0
    ).fit(X, partially_labeled(y))
    first = learner.estimator_
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.estimator_ is not first
    assert len(learner.estimator_.history) == 4


def test_warm_start_falls_back_to_cold_when_a_new_class_appears(blobs):
    X, y = blobs
    y_two = np.full_like(y, -1)
    for c in (0, 1):
        y_two[np.flatnonzero(y == c)[:3]] = c
    learner = MCDropoutClassifier(
        make_net(), n_passes=3, warm_start=True, random_state=0
    ).fit(X, y_two)
    first = learner.estimator_
    new = np.flatnonzero(y == 2)[:1]
    learner.teach(y=y[new], indices=new)
    assert learner.estimator_ is not first
    assert list(learner.classes_) == [0, 1, 2]
    assert learner.predict_proba(X).shape == (len(X), 3)


# ---------------------------------------------------- embeddings and BADGE
def test_embed_takes_the_input_of_the_output_layer_or_a_named_layer(blobs):
    X, y = blobs
    net = make_net(hidden=8).fit(X, y)
    H = embed(net, X)
    assert H.shape == (len(X), 8)
    net.module_.eval()
    expected = net.module_.body[:3](torch.as_tensor(X)).detach().numpy()
    np.testing.assert_allclose(H, expected, atol=1e-6)
    assert embed(net, X, layer="body.0").shape == (len(X), 8)
    with pytest.raises(ValueError, match="not a submodule.*body.0"):
        embed(net, X, layer="nope")
    pipe = make_pipeline(StandardScaler(), make_net(hidden=8)).fit(X, y)
    assert embed(pipe, X[:5]).shape == (5, 8)


def test_embeddings_from_parallel_threads_are_each_threads_own(blobs):
    # Chunks of a pool are embedded in threads (n_jobs) while other threads
    # run predict_proba through the same module: one thread's hooks must not
    # record another thread's activations (CI caught widths 8 and 4 mixed).
    from concurrent.futures import ThreadPoolExecutor

    X, y = blobs
    net = make_net(hidden=8).fit(X, y)
    expected = embed(net, X)
    rows = [slice(i, i + 1) for i in range(len(X))]

    def work(part):
        net.predict_proba(X[part])
        return embed(net, X[part])

    with ThreadPoolExecutor(4) as pool:
        got = np.concatenate(list(pool.map(work, rows * 3)))
    np.testing.assert_allclose(got, np.concatenate([expected] * 3), atol=1e-6)


def test_gradient_embedding_matches_the_output_layer_gradient(blobs):
    X, y = blobs
    net = make_net(dropout=0, softmax=False)
    net.set_params(criterion=torch.nn.CrossEntropyLoss).fit(X, y)
    G, proba = gradient_embedding(net, X[:3])
    out = net.module_.body[-1]
    for i in range(3):
        net.module_.zero_grad()
        logits = net.module_(torch.as_tensor(X[i : i + 1]))
        loss = torch.nn.functional.cross_entropy(
            logits, torch.as_tensor([int(proba[i].argmax())])
        )
        loss.backward()
        np.testing.assert_allclose(G[i], out.weight.grad.numpy().ravel(), atol=1e-5)


def test_badge_picks_distinct_uncertain_and_diverse_batches(blobs):
    X, y = blobs
    learner = BADGEClassifier(make_net(), batch_size=8, random_state=0).fit(
        X, partially_labeled(y)
    )
    idx, norms = learner.query(return_scores=True)
    assert len(set(idx.tolist())) == 8
    assert not np.isin(idx, learner.labeled_indices_).any()
    all_norms = learner.informativeness()
    # k-means++ starts from the largest gradient.
    assert norms[0] == pytest.approx(all_norms.max())

    def fit_query():
        torch.manual_seed(0)
        return clone(learner).fit(X, partially_labeled(y)).query()

    np.testing.assert_array_equal(fit_query(), fit_query())


# ------------------------------------------------------------------ errors
def test_non_probability_output_is_a_clear_error(blobs):
    X, y = blobs
    # Logits with skorch's default NLLLoss: skorch applies no softmax.
    net = make_net(softmax=False).fit(X, y)
    with pytest.raises(ValueError, match="not probabilities.*softmax"):
        net.predict_proba(X)
    with pytest.raises(ValueError, match="not probabilities.*CrossEntropyLoss"):
        mc_dropout_proba(net, X, 3)


def test_missing_dropout_is_a_clear_error(blobs):
    X, y = blobs
    net = make_net(dropout=0).fit(X, y)
    with pytest.raises(ValueError, match="needs dropout layers.*torch.nn.Dropout"):
        mc_dropout_proba(net, X, 3)
    learner = MCDropoutClassifier(make_net(dropout=0), random_state=0)
    learner.fit(X, partially_labeled(y))
    with pytest.raises(ValueError, match="needs dropout layers"):
        learner.query()


def test_output_width_not_matching_the_classes_is_a_clear_error(blobs):
    X, y = blobs
    net = make_net(n_out=5).fit(X, y)
    with pytest.raises(ValueError, match="outputs 5 columns but there are 3 classes"):
        net.predict_proba(X)
    with pytest.raises(ValueError, match="classes="):
        mc_dropout_proba(net, X, 3)
    # Declaring every class fixes it.
    fixed = make_net(n_out=5).set_params(classes=[0, 1, 2, 3, 4]).fit(X, y)
    assert fixed.predict_proba(X).shape == (len(X), 5)


def test_learners_reject_estimators_that_cannot_serve(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="needs a neural classifier"):
        MCDropoutClassifier(LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match="Expected a neural network"):
        embed(LogisticRegression().fit(X, y), X)
    from sklearn.ensemble import RandomForestClassifier

    with pytest.raises(TypeError, match="cannot; use warm_start=False"):
        BADGEClassifier(RandomForestClassifier(), warm_start=True).fit(X, y)


@pytest.mark.parametrize("batch_mode", ["kcenter", "cluster", "ranked"])
def test_batch_diversity_is_measured_in_the_learned_space(
    blobs, monkeypatch, batch_mode
):
    import skal.neural.bayesian as bayesian

    X, y = blobs
    learner = MCDropoutClassifier(
        make_net(hidden=8),
        n_passes=3,
        batch_size=6,
        batch_mode=batch_mode,
        random_state=0,
    ).fit(X, partially_labeled(y))
    widths = []

    def spy(estimator, Z):
        H = embed(estimator, Z)
        widths.append(H.shape[1])
        return H

    monkeypatch.setattr(bayesian, "embed", spy)
    idx = learner.query()
    assert len(set(idx.tolist())) == 6
    assert widths and set(widths) == {8}, "diversity was not measured on embeddings"
    widths.clear()
    learner.set_params(feature_space="input").query()
    assert widths == []


@pytest.mark.parametrize("learner_cls", [UncertaintySamplingClassifier, RandomSampler])
def test_generic_learners_warm_start_a_torch_net(blobs, learner_cls):
    X, y = blobs
    y_partial = partially_labeled(y)
    learner = learner_cls(
        make_net(), batch_size=5, warm_start=True, random_state=0
    ).fit(X, y_partial)
    first = learner.estimator_
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.estimator_ is first
    assert len(first.history) == 2 * 4, "the second round continues the first"
    cold = clone(learner).set_params(warm_start=False).fit(X, y_partial)
    net = cold.estimator_
    cold.teach(y=y[idx], indices=idx)
    assert cold.estimator_ is not net and len(cold.estimator_.history) == 4


def test_deep_ensemble_warm_start_continues_every_member(blobs):
    X, y = blobs
    learner = CommitteeSampler(
        make_net(),
        n_members=2,
        measure="mutual_information",
        batch_size=5,
        warm_start=True,
        random_state=0,
    ).fit(X, partially_labeled(y))
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert [len(m.history) for m in learner.estimators_] == [8, 8]
    cold = clone(learner).set_params(warm_start=False).fit(X, partially_labeled(y))
    cold.teach(y=y[idx], indices=idx)
    assert [len(m.history) for m in cold.estimators_] == [4, 4]
