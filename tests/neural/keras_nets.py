"""Tiny Keras model functions for the tests; configure them with model__*."""

import keras


def classifier(meta, dropout=0.3, batchnorm=False, activation="softmax", units=None):
    """Dense -> [BatchNorm] -> [Dropout] -> Dense, sized from scikeras' meta."""
    layers = [
        keras.Input((meta["n_features_in_"],)),
        keras.layers.Dense(16, activation="relu", name="hidden"),
    ]
    if batchnorm:
        layers.append(keras.layers.BatchNormalization(name="bn"))
    if dropout:
        layers.append(keras.layers.Dropout(dropout, name="dropout"))
    out = meta["n_classes_"] if units is None else units
    layers.append(keras.layers.Dense(out, activation=activation, name="out"))
    return keras.Sequential(layers)


def regressor(meta):
    """Dense -> Dropout -> Dense(1)."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1),
        ]
    )
