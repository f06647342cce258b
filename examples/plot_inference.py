"""
Which features matter: confidence intervals and marginal effects
================================================================

An unpenalised :class:`~sksoftmax.SoftmaxRegression` on six chemical
measurements of three Italian wines. ``coef_table`` gives each coefficient
with its standard error, z statistic, p-value and 95% interval, as
statsmodels' ``MNLogit`` does: for three classes, the two contrasts against
a reference class (here grignolino). ``wald_test`` asks whether a feature
matters for any class (both contrasts at once), and ``marginal_effects``
turns coefficients into what they do to each class's probability, on
average over the wines.

The features are standardised, so a coefficient is the change in the log
odds against grignolino per standard deviation.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine

from sksoftmax import SoftmaxRegression

X, y = load_wine(return_X_y=True, as_frame=True)
y = y.map({0: "barolo", 1: "grignolino", 2: "barbera"})
features = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "color_intensity",
]
X = X[features]
X = (X - X.mean()) / X.std()

model = SoftmaxRegression(C=np.inf, tol=1e-8, max_iter=1000).fit(X, y)
table = model.coef_table(X, y, reference="grignolino")
robust = model.coef_table(X, y, reference="grignolino", cov_type="HC1")
print(table.round(3).to_string())

# %%
# Does each feature matter for any class? A joint Wald test of its two
# contrasts (chi-squared with 2 degrees of freedom).
for feature in features:
    result = model.wald_test(X, y, features=feature)
    print(f"{feature:<18} chi2 = {result.statistic:6.2f}   p = {result.p_value:.2g}")
statistics = model.fit_statistics(X, y)
print(
    f"McFadden pseudo R2 {statistics['pseudo_r2']:.3f}, "
    f"LR test p = {statistics['llr_p_value']:.1e}"
)

# %%
# The forest plot: each contrast's estimate with its 95% interval, from the
# inverse Hessian (dots) and from the HC1 sandwich (grey bars), robust to a
# misspecified model. An interval that crosses zero is a feature this
# contrast cannot tell from no effect.
effects = model.marginal_effects(X, y)
fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
positions = np.arange(len(features))
for axis, label in zip(axes[:2], ["barbera", "barolo"], strict=True):
    rows, rows_robust = table.loc[label].loc[features], robust.loc[label].loc[features]
    axis.hlines(
        positions,
        rows_robust["ci_lower"],
        rows_robust["ci_upper"],
        color="0.75",
        linewidth=6,
        label="95% interval, HC1",
    )
    axis.errorbar(
        rows["coef"],
        positions,
        xerr=[rows["coef"] - rows["ci_lower"], rows["ci_upper"] - rows["coef"]],
        fmt="o",
        color="C0",
        label="95% interval, inverse Hessian",
    )
    axis.axvline(0, color="k", linewidth=0.8)
    axis.set_title(f"log odds of {label} against grignolino")
    axis.set_xlabel("coefficient (per standard deviation)")
axes[0].set_yticks(positions, features)
axes[0].invert_yaxis()
axes[0].legend(loc="upper right", fontsize=8)

# %%
# Average marginal effects: the change in each class's probability per
# standard deviation of a feature, averaged over the wines, with
# delta-method intervals. Unlike the contrasts they need no reference class,
# and for each feature they sum to zero over the classes.
for offset, label in zip([-0.2, 0.0, 0.2], model.classes_, strict=True):
    rows = effects.loc[label].loc[features]
    axes[2].errorbar(
        rows["coef"],
        positions + offset,
        xerr=rows["coef"] - rows["ci_lower"],
        fmt="o",
        label=label,
    )
axes[2].axvline(0, color="k", linewidth=0.8)
axes[2].set_title("average marginal effect on P(class)")
axes[2].set_xlabel("dP / dx (per standard deviation)")
axes[2].legend(fontsize=8)
fig.tight_layout()
plt.show()
