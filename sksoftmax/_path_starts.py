"""Where each point of a regularisation path starts: extrapolated from the
last two solutions along log C (a secant), not merely the last one.

The solution moves smoothly with log C between changes of support, so the
secant start is already close to the next solution's first-order change;
the warm start is off by all of it. ``EXTRAPOLATE = False`` gives the plain
warm start (the benchmarks measure the iterations both take).
"""

import numpy as np

EXTRAPOLATE = True


def next_start(history, C, penalised=None):
    """The start for C from ``history``, a list of ``(C, coef)`` of the
    previous points (the last two are used).

    With one point, or ``EXTRAPOLATE`` off, it is the last solution.
    ``penalised`` (a mask of the coefficients an L1 or group term holds): a
    penalised coefficient the secant would take across zero, or out of zero,
    stays at zero there. The solver's own steps decide which coefficients
    enter or leave; the secant moves those that stay on their side.
    """
    C_last, last = history[-1]
    C_before, before = history[-2] if len(history) > 1 else history[-1]
    if not EXTRAPOLATE or C == C_last or C_last == C_before:
        return last.copy()
    ratio = np.log(C / C_last) / np.log(C_last / C_before)
    start = last + ratio * (last - before)
    if penalised is not None:
        start[penalised & (np.sign(start) != np.sign(last))] = 0.0
    return start
