"""Small, made-up data sets for the Label Studio tests (nothing downloaded)."""

import io

import numpy as np

POSITIVE = ["wonderful", "superb", "delightful", "brilliant", "charming", "moving"]
NEGATIVE = ["awful", "dull", "boring", "terrible", "clumsy", "tedious"]
FILLER = [
    "the film",
    "the plot",
    "the acting",
    "the music",
    "the ending",
    "the cast",
    "honestly",
    "overall",
    "the script",
    "the camera work",
]

TEXT_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true">
    <Choice value="pos"/>
    <Choice value="neg"/>
  </Choices>
</View>"""

IMAGE_CONFIG = """<View>
  <Image name="image" value="$image" width="96px"/>
  <Choices name="digit" toName="image" choice="single" showInline="true">
    <Choice value="3"/>
    <Choice value="5"/>
    <Choice value="8"/>
  </Choices>
</View>"""


def reviews(n=40, seed=0):
    """Short film reviews and their sentiment; some mix in a word of the other.

    Returns
    -------
    texts : list of str
    labels : list of str
        ``"pos"`` or ``"neg"``, half each.
    """
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        label = "pos" if i % 2 == 0 else "neg"
        own, other = (POSITIVE, NEGATIVE) if label == "pos" else (NEGATIVE, POSITIVE)
        words = [
            *rng.choice(FILLER, size=2, replace=False),
            *rng.choice(own, size=rng.integers(1, 3), replace=False),
        ]
        if rng.random() < 0.35:
            words.append(rng.choice(other))  # a hedge: "...but dull"
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


def digit_pngs(folder, n_per_class=10, classes=(3, 5, 8), scale=4):
    """scikit-learn's 8x8 digits, drawn as PNG files (dark ink on white).

    3, 5 and 8 by default: alike enough that one label of each is not enough.

    Returns
    -------
    paths : list of Path
    labels : list of str
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    paths, labels = [], []
    for digit in classes:
        rows = np.flatnonzero(digits.target == digit)[:n_per_class]
        for k, row in enumerate(rows):
            pixels = 255 - (digits.images[row] * (255 / 16)).astype(np.uint8)
            picture = Image.fromarray(pixels, mode="L").resize(
                (8 * scale, 8 * scale), Image.Resampling.NEAREST
            )
            path = folder / f"digit{digit}-{k:02d}.png"
            buffer = io.BytesIO()
            picture.save(buffer, format="PNG")
            path.write_bytes(buffer.getvalue())
            paths.append(path)
            labels.append(str(digit))
    return paths, labels


def choice(from_name, to_name, label):
    """An annotation result choosing ``label``."""
    return [
        {
            "from_name": from_name,
            "to_name": to_name,
            "type": "choices",
            "value": {"choices": [label]},
        }
    ]


def text_project(client, new_project, n=40):
    """A text project with ``n`` reviews; returns (project, task ids, truth)."""
    texts, labels = reviews(n)
    project = new_project(TEXT_CONFIG, title="Film reviews")
    assert client.import_tasks(project, [{"text": t} for t in texts]) == n
    tasks = client.tasks(project)
    # Tasks get increasing ids in import order.
    assert [t["data"]["text"] for t in tasks] == texts
    ids = [t["id"] for t in tasks]
    return project, ids, dict(zip(ids, labels, strict=True))


def annotate(client, task, label, **fields):
    """Annotate a text task as an annotator would; returns the annotation id."""
    answer = client.create_annotation(
        task, choice("sentiment", "text", label), **fields
    )
    return answer["id"]
