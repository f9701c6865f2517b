"""L2-regularised logistic regression, fitted by Newton's method, in NumPy only.

It runs inside the app (retraining a workspace's model with its corrections), where
scikit-learn is not installed. With 512-dimensional features the Hessian is at most
1,539 × 1,539 (three classes), so exact Newton steps converge in a handful of iterations
and need no tuning, unlike gradient descent.

Objective, for sample weights w_i and penalty l2 (= 1 / C in scikit-learn's terms):

    sum_i w_i * log_loss(x_i, y_i) + l2 / 2 * ||W - W_prior||^2

The intercepts are not penalised (as in scikit-learn). `W_prior` defaults to zero; a
workspace model passes the shipped model's coefficients, so that what the shipped model
learnt from data the app does not have is kept wherever the workspace's corrections say
nothing.

Features are either a dense array or a `Design`: a dense block (sentence embeddings)
beside a sparse one (hashed character n-grams, thousands of columns, a few hundred set per
row). With a sparse block the Hessian is far too large to form, so `fit` switches to
truncated Newton: each Newton step is solved by conjugate gradients, which only needs
Hessian-vector products, i.e. products with the design matrix and its transpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# Largest Hessian side solved exactly (its cost grows with the cube): three classes of
# 512 features. Beyond it (finer classes, n-grams), truncated Newton.
EXACT_NEWTON_SIZE = 2048


@dataclass(frozen=True)
class Sparse:
    """A sparse matrix in compressed rows (CSR), with just what fitting and scoring need."""

    indptr: np.ndarray  # (n + 1,) int64
    indices: np.ndarray  # (nnz,) int64 column of each stored value
    values: np.ndarray  # (nnz,) float32
    width: int

    @classmethod
    def empty(cls, n: int, width: int) -> Sparse:
        return cls(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), width)

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def row_of_values(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    def dot(self, w: np.ndarray, transposed: np.ndarray | None = None) -> np.ndarray:
        """self @ w.T for w (k, width): (n, k). The weights of every stored value gathered
        at once (k side by side: from `transposed`, w.T in C order, when the caller keeps
        one), scaled, then summed row by row."""
        out = np.zeros((self.n, w.shape[0]), dtype=np.float64)
        if not len(self.indices):
            return out
        source = np.ascontiguousarray(w.T) if transposed is None else transposed
        terms = np.take(source, self.indices, axis=0)  # (nnz, k)
        terms *= self.values[:, None]
        filled = np.flatnonzero(np.diff(self.indptr))  # rows with at least one value
        out[filled] = np.add.reduceat(terms, self.indptr[filled], axis=0)
        return out

    def tdot(self, u: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """u.T @ self for u (n, k): (k, width)."""
        rows = self.row_of_values() if rows is None else rows
        out = np.empty((u.shape[1], self.width), dtype=np.float64)
        for k in range(u.shape[1]):
            out[k] = np.bincount(self.indices, weights=u[rows, k] * self.values, minlength=self.width)
        return out

    def subset(self, index: np.ndarray) -> Sparse:
        """The rows `index` (integer positions or a boolean mask), in that order."""
        index = np.flatnonzero(index) if index.dtype == bool else np.asarray(index, dtype=np.int64)
        starts, ends = self.indptr[index], self.indptr[index + 1]
        lengths = ends - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        take = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]))
        return Sparse(indptr, self.indices[take], self.values[take], self.width)

    @staticmethod
    def vstack(parts: list[Sparse]) -> Sparse:
        offsets = np.cumsum([0] + [int(p.indptr[-1]) for p in parts[:-1]])
        indptr = np.concatenate([[0]] + [p.indptr[1:] + o for p, o in zip(parts, offsets, strict=True)])
        return Sparse(indptr, np.concatenate([p.indices for p in parts]),
                      np.concatenate([p.values for p in parts]), parts[0].width)


@dataclass(frozen=True)
class Design:
    """Dense features beside sparse ones (scaled by `sparse_scale`), read as one matrix."""

    dense: np.ndarray
    sparse: Sparse
    sparse_scale: float = 1.0

    def __len__(self) -> int:
        return int(self.dense.shape[0])


@dataclass(frozen=True)
class Linear:
    """coef (k, d), intercept (k,): k = 1 means a binary (sigmoid) model, k >= 2 a softmax.

    sparse_coef (r, width): the weights of a Design's sparse block, when it has one; row
    sparse_tie[j] serves class j (None: row j serves class j). Classes that are parts of
    one answer (the kinds of toxic comment, say) can share one row: tens of thousands of
    n-gram weights once per answer rather than once per class."""

    coef: np.ndarray
    intercept: np.ndarray
    sparse_coef: np.ndarray | None = None
    sparse_tie: np.ndarray | None = None

    def scores(self, x: np.ndarray | Design) -> np.ndarray:
        if isinstance(x, Design):
            z = np.asarray(x.dense @ self.coef.T + self.intercept, dtype=np.float64)
            if self.sparse_coef is not None:
                grams = x.sparse_scale * x.sparse.dot(self.sparse_coef, self._sparse_coef_t)
                z += grams if self.sparse_tie is None else grams[:, self.sparse_tie]
            return z
        return np.asarray(x @ self.coef.T + self.intercept, dtype=np.float64)

    @cached_property
    def _sparse_coef_t(self) -> np.ndarray | None:
        """sparse_coef transposed, in C order: gathering one n-gram's weights for every row
        reads one contiguous run (3× faster than from the rows)."""
        return None if self.sparse_coef is None else np.ascontiguousarray(self.sparse_coef.T)

    def proba(self, x: np.ndarray | Design) -> np.ndarray:
        """(n,) probability of the positive class for a binary model, (n, k) for a softmax."""
        z = self.scores(x)
        if self.coef.shape[0] == 1:
            return sigmoid(z[:, 0])
        return softmax(z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow warning for large |z|
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def fit(
    x: np.ndarray | Design,
    y: np.ndarray,
    *,
    l2: float,
    n_classes: int = 2,
    sample_weight: np.ndarray | None = None,
    prior: Linear | None = None,
    tol: float = 1e-8,
    max_iter: int = 100,
    sparse_tie: np.ndarray | None = None,
) -> Linear:
    """Fit on features x (n, d) and integer labels y in [0, n_classes); with a Design,
    `sparse_tie` says which sparse row each class reads (see Linear)."""
    k = 1 if n_classes == 2 else n_classes
    if not isinstance(x, Design) and k * (np.shape(x)[1] + 1) > EXACT_NEWTON_SIZE:
        x = Design(np.asarray(x), Sparse.empty(len(x), 0))
    if isinstance(x, Design):
        return fit_design(x, y, l2=l2, n_classes=n_classes, sample_weight=sample_weight, prior=prior,
                          tol=tol, max_iter=max_iter, sparse_tie=sparse_tie)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    n, d = x.shape
    if n == 0:
        raise ValueError("no training examples")
    if l2 <= 0:
        raise ValueError("l2 must be positive: the problem is unbounded on separable data")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    xt = np.hstack([x, np.ones((n, 1))])  # last column: the intercept
    target = (y[:, None] == (np.arange(k)[None, :] + (1 if k == 1 else 0))).astype(np.float64)
    prior_coef = np.zeros((k, d)) if prior is None else np.asarray(prior.coef, dtype=np.float64)
    if prior_coef.shape != (k, d):
        raise ValueError(f"prior has shape {prior_coef.shape}, expected {(k, d)}")
    theta = np.zeros((k, d + 1))
    theta[:, :d] = prior_coef
    if prior is not None:
        theta[:, d] = prior.intercept
    penalised = np.ones(d + 1)
    penalised[d] = 0.0

    def probabilities(t: np.ndarray) -> np.ndarray:
        z = xt @ t.T
        return sigmoid(z) if k == 1 else softmax(z)

    def objective(t: np.ndarray) -> float:
        z = xt @ t.T
        if k == 1:
            # log(1 + e^-z) for y=1, log(1 + e^z) for y=0, computed stably
            signed = np.where(target[:, 0] > 0, z[:, 0], -z[:, 0])
            loss = np.logaddexp(0.0, -signed)
        else:
            zmax = z.max(axis=1, keepdims=True)
            lse = (zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1)))
            loss = lse - (z * target).sum(axis=1)
        diff = (t[:, :d] - prior_coef)
        return float(w @ loss + 0.5 * l2 * np.sum(diff * diff))

    current = objective(theta)
    # A vanishing ridge on the intercepts only: a softmax's intercepts can all shift by the
    # same amount without changing anything, which leaves the Hessian singular.
    ridge = 1e-9 * max(float(w.sum()), 1.0)
    for _ in range(max_iter):
        p = probabilities(theta)
        resid = (p - target) * w[:, None]
        grad = resid.T @ xt
        grad[:, :d] += l2 * (theta[:, :d] - prior_coef)
        if np.max(np.abs(grad)) <= tol * max(float(w.sum()), 1.0):
            break
        size = k * (d + 1)
        hess = np.empty((size, size))
        for a in range(k):
            for b in range(a, k):
                # d p_a / d z_b: p (1 - p) for a sigmoid, p_a (delta_ab - p_b) for a softmax
                s = p[:, 0] * (1.0 - p[:, 0]) if k == 1 else p[:, a] * ((1.0 if a == b else 0.0) - p[:, b])
                block = xt.T @ (xt * (w * s)[:, None])
                hess[a * (d + 1):(a + 1) * (d + 1), b * (d + 1):(b + 1) * (d + 1)] = block
                if a != b:
                    hess[b * (d + 1):(b + 1) * (d + 1), a * (d + 1):(a + 1) * (d + 1)] = block.T
        hess[np.diag_indices(size)] += np.tile(l2 * penalised + ridge * (1 - penalised), k)
        step = np.linalg.solve(hess, grad.ravel()).reshape(k, d + 1)
        # Backtracking: a full Newton step can overshoot far from the optimum.
        scale = 1.0
        while True:
            candidate = theta - scale * step
            value = objective(candidate)
            if value <= current - 1e-4 * scale * float(np.sum(grad * step)) or scale < 1e-6:
                break
            scale *= 0.5
        converged = current - value <= 1e-12 * max(abs(current), 1.0)
        theta, current = candidate, value
        if converged:
            break
    return Linear(coef=theta[:, :d].copy(), intercept=theta[:, d].copy())


def fit_design(
    x: Design,
    y: np.ndarray,
    *,
    l2: float,
    n_classes: int = 2,
    sample_weight: np.ndarray | None = None,
    prior: Linear | None = None,
    tol: float = 1e-8,
    max_iter: int = 100,
    sparse_tie: np.ndarray | None = None,
) -> Linear:
    """`fit` for a Design, by truncated Newton (conjugate gradients on each Newton step).
    The parameters are one flat vector: [dense coefficients and intercept of each class |
    sparse rows]."""
    dense = np.asarray(x.dense, dtype=np.float64)
    sparse, scale = x.sparse, float(x.sparse_scale)
    y = np.asarray(y, dtype=np.int64)
    n, d = dense.shape
    width = sparse.width
    if n == 0:
        raise ValueError("no training examples")
    if l2 <= 0:
        raise ValueError("l2 must be positive: the problem is unbounded on separable data")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    k = 1 if n_classes == 2 else n_classes
    tie = np.arange(k) if sparse_tie is None else np.asarray(sparse_tie, dtype=np.int64)
    r = int(tie.max()) + 1 if width else 0
    shares = np.zeros((k, r))  # class j reads sparse row tie[j]
    if width:
        shares[np.arange(k), tie] = 1.0
    target = (y[:, None] == (np.arange(k)[None, :] + (1 if k == 1 else 0))).astype(np.float64)
    cut = k * (d + 1)
    centre = np.zeros(cut + r * width)
    if prior is not None:
        centre[:cut] = np.hstack([prior.coef, np.zeros((k, 1))]).ravel()
        if width and prior.sparse_coef is not None:
            centre[cut:] = prior.sparse_coef.ravel()
    theta = centre.copy()
    if prior is not None:
        theta[:cut].reshape(k, d + 1)[:, d] = prior.intercept
    penalised = np.ones_like(centre)
    penalised[:cut].reshape(k, d + 1)[:, d] = 0.0
    ridge = 1e-9 * max(float(w.sum()), 1.0)
    rows = sparse.row_of_values()

    def times_x(v: np.ndarray) -> np.ndarray:  # parameters -> scores (n, k)
        coef = v[:cut].reshape(k, d + 1)
        z = dense @ coef[:, :d].T + coef[:, d]
        if width:
            z += scale * sparse.dot(v[cut:].reshape(r, width))[:, tie]
        return z

    def x_times(u: np.ndarray) -> np.ndarray:  # (n, k) -> gradient-shaped vector
        out = np.empty_like(centre)
        out[:cut] = np.hstack([u.T @ dense, u.sum(axis=0)[:, None]]).ravel()
        if width:
            out[cut:] = (scale * sparse.tdot(u @ shares, rows)).ravel()
        return out

    def objective(z: np.ndarray, t: np.ndarray) -> float:
        if k == 1:
            signed = np.where(target[:, 0] > 0, z[:, 0], -z[:, 0])
            loss = np.logaddexp(0.0, -signed)
        else:
            zmax = z.max(axis=1, keepdims=True)
            loss = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1)) - (z * target).sum(axis=1)
        diff = (t - centre) * penalised
        return float(w @ loss + 0.5 * l2 * np.dot(diff, diff))

    diagonal = l2 * penalised + ridge * (1 - penalised)
    z = times_x(theta)
    current = objective(z, theta)
    for _ in range(max_iter):
        p = sigmoid(z) if k == 1 else softmax(z)
        grad = x_times((p - target) * w[:, None]) + l2 * (theta - centre) * penalised
        grad_norm = float(np.sqrt(np.dot(grad, grad)))
        if np.max(np.abs(grad)) <= max(tol, 1e-7) * max(float(w.sum()), 1.0):
            break
        curvature = w * p[:, 0] * (1.0 - p[:, 0]) if k == 1 else w

        def hess_times(v: np.ndarray, p: np.ndarray = p, curvature: np.ndarray = curvature) -> np.ndarray:
            zv = times_x(v)
            if k == 1:
                u = curvature[:, None] * zv
            else:
                u = curvature[:, None] * p * (zv - np.sum(p * zv, axis=1, keepdims=True))
            return x_times(u) + diagonal * v

        step = _conjugate_gradients(hess_times, grad, tolerance=min(0.5, np.sqrt(grad_norm)) * grad_norm)
        scale_step, slope = 1.0, float(np.dot(grad, step))
        dz = times_x(step)  # the scores move linearly with the step: no new product per trial
        while True:
            candidate = theta - scale_step * step
            cz = z - scale_step * dz
            value = objective(cz, candidate)
            if value <= current - 1e-4 * scale_step * slope or scale_step < 1e-6:
                break
            scale_step *= 0.5
        converged = current - value <= 1e-12 * max(abs(current), 1.0)
        theta, z, current = candidate, cz, value
        if converged:
            break
    coef = theta[:cut].reshape(k, d + 1)
    return Linear(coef=coef[:, :d].copy(), intercept=coef[:, d].copy(),
                  sparse_coef=theta[cut:].reshape(r, width).copy() if width else None,
                  sparse_tie=None if sparse_tie is None or not width else tie.copy())


def _conjugate_gradients(apply: Callable[[np.ndarray], np.ndarray], b: np.ndarray, *, tolerance: float,
                         max_iter: int = 250) -> np.ndarray:
    """An approximate solution s of H s = b, H symmetric positive definite given as `apply`."""
    s = np.zeros_like(b)
    r = b.copy()
    direction = r.copy()
    rr = float(np.dot(r, r))
    for _ in range(max_iter):
        if np.sqrt(rr) <= tolerance:
            break
        hd = apply(direction)
        alpha = rr / float(np.dot(direction, hd))
        s += alpha * direction
        r -= alpha * hd
        new_rr = float(np.dot(r, r))
        direction = r + (new_rr / rr) * direction
        rr = new_rr
    return s
