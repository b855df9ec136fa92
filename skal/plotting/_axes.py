"""The axes a display draws on."""


def axes_or_new(ax):
    """``ax``, or the axes of a new figure when ``ax`` is None (matplotlib is
    imported only then, and only when something is drawn)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax
