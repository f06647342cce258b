"""
Deploying a softmax classifier with ONNX
========================================

A Pipeline (standardisation, then :class:`~sksoftmax.SoftmaxRegression`) is
fitted on the digits, exported with :func:`sksoftmax.onnx.to_onnx` and run
with onnxruntime, which needs neither Python's scikit-learn nor this
package: the graph is a matrix product, an addition and a softmax. Its labels
must equal ``predict`` and its probabilities ``predict_proba``; the example
checks both, then times a batch prediction in each.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression
from sksoftmax.onnx import to_onnx

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)  # ONNX runtimes are fastest in float32
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipeline = make_pipeline(StandardScaler(), SoftmaxRegression(C=0.1, max_iter=500))
pipeline.fit(X_train, y_train)

# %%
# Export and run
# --------------
# ``zipmap=False`` returns the probabilities as one array instead of a dict
# per row (skl2onnx's default for classifiers).

onx = to_onnx(pipeline, X_train[:1], options={"zipmap": False})
session = onnxruntime.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, probabilities = session.run(None, {"X": X_test})

largest_gap = np.abs(probabilities - pipeline.predict_proba(X_test)).max()
print(f"graph nodes: {[node.op_type for node in onx.graph.node]}")
print(f"labels equal predict: {np.array_equal(labels, pipeline.predict(X_test))}")
print(f"largest probability difference: {largest_gap:.1e}")
assert np.array_equal(labels, pipeline.predict(X_test))
assert largest_gap < 1e-5

# %%
# Batch prediction time
# ---------------------
# 100,000 rows, best of five, in this process. onnxruntime runs the whole
# pipeline in one native call; scikit-learn validates the input and runs each
# step in numpy.

batch = np.tile(X_test, (100_000 // len(X_test) + 1, 1))[:100_000]


def best_of_five(predict):
    times = []
    for _ in range(5):
        start = time.perf_counter()
        predict()
        times.append(time.perf_counter() - start)
    return min(times)


seconds = {
    "scikit-learn\npredict_proba": best_of_five(lambda: pipeline.predict_proba(batch)),
    "onnxruntime": best_of_five(lambda: session.run(None, {"X": batch})),
}
for name, value in seconds.items():
    print(f"{name.replace(chr(10), ' ')}: {value * 1e3:.1f} ms")

fig, ax = plt.subplots(figsize=(5, 2.5))
ax.barh(list(seconds), [value * 1e3 for value in seconds.values()])
ax.set_xlabel("milliseconds for 100,000 rows")
ax.set_title("Batch prediction, same pipeline")
fig.tight_layout()
plt.show()
