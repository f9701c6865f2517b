"""L2-regularised logistic regression, fitted by Newton's method, in NumPy only.

It runs inside the app (retraining a workspace's model with its corrections), where
scikit-learn is not installed. With 512-dimensional features the Hessian is at most
1,539 × 1,539 (three classes), so exact Newton steps converge in a handful of iterations
and need no tuning, unlike gradient descent.

Objective, for sample weights w_i and penalty l2 (= 1 / C in scikit-learn's terms):

    sum_i w_i * log_loss(x_i, y_i) + l2 / 2 * ||W - W_prior||^2

The intercepts are not penalised (as in scikit-learn). `W_prior` defaults to zero; a
workspace model passes the shipped model's coefficients, so that what the shipped model
learnt from data the app does not have (thousands of labelled tweets) is kept wherever
the workspace's corrections say nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Linear:
    """coef (k, d), intercept (k,): k = 1 means a binary (sigmoid) model, k >= 3 a softmax."""

    coef: np.ndarray
    intercept: np.ndarray

    def scores(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x @ self.coef.T + self.intercept, dtype=np.float64)

    def proba(self, x: np.ndarray) -> np.ndarray:
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
    x: np.ndarray,
    y: np.ndarray,
    *,
    l2: float,
    n_classes: int = 2,
    sample_weight: np.ndarray | None = None,
    prior: Linear | None = None,
    tol: float = 1e-8,
    max_iter: int = 100,
) -> Linear:
    """Fit on features x (n, d) and integer labels y in [0, n_classes)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    n, d = x.shape
    if n == 0:
        raise ValueError("no training examples")
    if l2 <= 0:
        raise ValueError("l2 must be positive: the problem is unbounded on separable data")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    k = 1 if n_classes == 2 else n_classes
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
