"""The ratings the ratings-RBM benches train on: MovieLens 100k split 80/20 with
``boltz.datasets.train_test_split_ratings`` (seed 0), or, when it cannot be fetched, a
synthetic set of the same shape and density (said so in ``Ratings.source``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boltz.datasets import fetch_movielens_100k, train_test_split_ratings

SPLIT_SEED = 0


@dataclass
class Ratings:
    """Parallel arrays of ratings: user and item indices from 0, ratings 1..5, and the raw
    ids they came from (``raw_users[users]`` is a rating's raw user id)."""

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    raw_users: np.ndarray
    raw_items: np.ndarray
    source: str

    @property
    def n_users(self) -> int:
        return self.raw_users.size

    @property
    def n_items(self) -> int:
        return self.raw_items.size

    def part(self, index: np.ndarray) -> Ratings:
        """The ratings at `index`, with the same user and item numbering."""
        return Ratings(self.users[index], self.items[index], self.ratings[index],
                       self.raw_users, self.raw_items, self.source)

    def csr(self):
        """A scipy.sparse CSR matrix users x items whose stored entries are the ratings."""
        import scipy.sparse as sp
        return sp.csr_matrix((self.ratings, (self.users, self.items)),
                             shape=(self.n_users, self.n_items))

    def frame(self):
        """A pandas DataFrame with columns user, item, rating (raw ids), as surprise's
        ``Dataset.load_from_df`` takes it."""
        import pandas as pd
        return pd.DataFrame({"user": self.raw_users[self.users],
                             "item": self.raw_items[self.items], "rating": self.ratings})


def synthetic_ratings(n_users: int = 943, n_items: int = 1682, n_ratings: int = 100_000,
                      seed: int = 0) -> Ratings:
    """Ratings with MovieLens 100k's shape and density: each user rates at least 20
    items, popular items more often (Zipf-like), levels 1-5 with MovieLens's frequencies
    (6, 11, 27, 34, 22 %) shifted per user and item so that there is something to learn."""
    rng = np.random.default_rng(seed)
    per_user = 20 + rng.geometric(1 / (n_ratings / n_users - 19), n_users) - 1
    per_user = np.minimum(per_user, n_items // 2)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    popularity /= popularity.sum()
    users, items = [], []
    for u, count in enumerate(per_user):
        users.append(np.full(count, u))
        items.append(rng.choice(n_items, size=count, replace=False, p=popularity))
    users, items = np.concatenate(users), np.concatenate(items)
    taste = rng.normal(0, 0.5, n_users)[users] + rng.normal(0, 0.5, n_items)[items]
    base = rng.choice(5, size=users.size, p=[0.06, 0.11, 0.27, 0.34, 0.22])
    ratings = np.clip(np.rint(base + taste), 0, 4) + 1.0
    return Ratings(users, items, ratings, np.arange(1, n_users + 1),
                   np.arange(1, n_items + 1), "synthetic (MovieLens 100k's shape)")


def movielens_or_synthetic() -> Ratings:
    """All of MovieLens 100k, or the synthetic stand-in when it cannot be fetched."""
    try:
        ml = fetch_movielens_100k()
    except (OSError, ValueError) as exc:
        print(f"MovieLens 100k could not be fetched ({exc}); synthetic ratings instead")
        return synthetic_ratings()
    raw_users, users = np.unique(ml.user_ids, return_inverse=True)
    raw_items, items = np.unique(ml.item_ids, return_inverse=True)
    return Ratings(users, items, ml.ratings, raw_users, raw_items, "MovieLens 100k")


def split(data: Ratings) -> tuple[Ratings, Ratings]:
    """The seeded 80/20 split (training part, test part)."""
    train, test = train_test_split_ratings(data.users, data.items, data.ratings,
                                           test_size=0.2, seed=SPLIT_SEED)
    return data.part(train), data.part(test)
