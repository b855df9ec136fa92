"""The journal's SQLite schema, its migrations, and its full validation.

A journal is checked on every open, before anything is read from it or
written to it: exactly the expected tables, indexes and columns, defined
exactly as skal defines them (no trigger, no view, no dropped constraint),
and sane values (every index within the bound pool, kinds and labels valid,
the current labels those the answers log gives). A journal that fails is
refused with the list of what is wrong and never written to.
"""

import functools
import json
import math
import re
import sqlite3

from skal.journal._labels import LABEL_TYPES, check_classes, decode_label
from skal.journal._log import KINDS, replay

__all__ = [
    "APPLICATION_ID",
    "META_KEYS",
    "SCHEMA_VERSION",
    "create",
    "migrate_v1",
    "structure_problems",
    "value_problems",
]

#: ``PRAGMA application_id`` of a skal journal: b"skal" as a big-endian int,
#: so that ``file`` and SQLite tools can tell the file apart from other
#: SQLite databases.
APPLICATION_ID = int.from_bytes(b"skal", "big")
SCHEMA_VERSION = 2

# The statements' text is part of the format: SQLite stores it, and
# validation compares it (whitespace aside). Change it only with a new
# SCHEMA_VERSION and a migration.
_META = """CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)"""
_SESSIONS = """CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    learner TEXT,
    params TEXT
)"""
_ROUNDS = """CREATE TABLE rounds (
    round INTEGER PRIMARY KEY,
    session INTEGER NOT NULL REFERENCES sessions(id),
    started REAL NOT NULL,
    finished REAL,
    queried TEXT NOT NULL
)"""
_ANSWERS_V1 = """CREATE TABLE answers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('label', 'skip', 'unknown')),
    label TEXT,
    round INTEGER,
    session INTEGER REFERENCES sessions(id),
    source TEXT NOT NULL,
    time REAL NOT NULL
)"""
_ONE_LABEL_V1 = (
    "CREATE UNIQUE INDEX one_label_per_row ON answers(idx) WHERE kind = 'label'"
)
_ANSWERS = """CREATE TABLE answers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idx INTEGER NOT NULL CHECK (idx >= 0),
    kind TEXT NOT NULL CHECK (kind IN
        ('label', 'relabel', 'remove', 'skip', 'unknown', 'undo')),
    label TEXT,
    previous TEXT,
    undoes INTEGER UNIQUE REFERENCES answers(seq),
    round INTEGER,
    session INTEGER REFERENCES sessions(id),
    source TEXT NOT NULL,
    time REAL NOT NULL
)"""
_CURRENT = """CREATE TABLE current_labels (
    idx INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE REFERENCES answers(seq)
)"""
_ROWS = """CREATE TABLE row_fingerprints (
    idx INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL
)"""
_BY_ROW = "CREATE INDEX answers_by_row ON answers(idx, seq)"

_STATEMENTS = {
    1: (_META, _SESSIONS, _ROUNDS, _ANSWERS_V1, _ONE_LABEL_V1),
    2: (_META, _SESSIONS, _ROUNDS, _ANSWERS, _CURRENT, _ROWS, _BY_ROW),
}
_NEW_IN_V2 = (_ANSWERS, _CURRENT, _ROWS, _BY_ROW)

META_KEYS = (
    "format",
    "created",
    "skal_version",
    "pool_fingerprint",
    "n_pool",
    "label_type",
    "classes",
    "row_keys",
    "migrated_from",
)
# Statistics tables that ANALYZE or PRAGMA optimize may add: harmless.
_TOLERATED = re.compile(r"sqlite_stat\d")
_MAX_PROBLEMS = 8


def _norm(sql):
    return None if sql is None else " ".join(sql.split())


def create(conn):
    """Create the current schema in an empty database (inside a transaction)."""
    for statement in _STATEMENTS[SCHEMA_VERSION]:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@functools.cache
def _expected(version):
    conn = sqlite3.connect(":memory:")
    try:
        for statement in _STATEMENTS[version]:
            conn.execute(statement)
        return _objects(conn, "main"), {
            name: _columns(conn, "main", name)
            for name, (kind, _, _) in _objects(conn, "main").items()
            if kind == "table"
        }
    finally:
        conn.close()


def _objects(conn, schema):
    rows = conn.execute(f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master")
    return {
        name: (kind, table, _norm(sql))
        for kind, name, table, sql in rows
        if not _TOLERATED.fullmatch(name)
    }


def _columns(conn, schema, table):
    return [
        (name, decl, notnull, pk)
        for _, name, decl, notnull, _, pk, _ in conn.execute(
            f"PRAGMA {schema}.table_xinfo({_quote(table)})"
        )
    ]


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def structure_problems(conn, schema, version):
    """What differs between the database's schema and skal's ``version``."""
    want, want_columns = _expected(version)
    have = _objects(conn, schema)
    problems = []
    for name in sorted(set(have) - set(want)):
        kind, table = have[name][:2]
        on = f" on {table!r}" if kind in ("index", "trigger") and table != name else ""
        problems.append(f"an unexpected {kind} {name!r}{on}")
    for name in sorted(set(want) - set(have)):
        problems.append(f"no {want[name][0]} {name!r}")
    for name in sorted(set(want) & set(have)):
        (kind, table, sql), (found, found_table, found_sql) = want[name], have[name]
        if found != kind:
            problems.append(f"{name!r} is a {found}, not a {kind}")
        elif found_table != table:
            problems.append(f"{kind} {name!r} is on {found_table!r}, not {table!r}")
        elif found_sql != sql:
            problems.append(_definition_problem(conn, schema, name, kind, want_columns))
    return problems


def _definition_problem(conn, schema, name, kind, want_columns):
    if kind != "table":
        return f"{kind} {name!r} is not defined as skal defines it"
    want = {c[0]: c for c in want_columns[name]}
    have = {c[0]: c for c in _columns(conn, schema, name)}
    parts = []
    if set(want) - set(have):
        parts.append(f"lacks columns {sorted(set(want) - set(have))}")
    if set(have) - set(want):
        parts.append(f"has unexpected columns {sorted(set(have) - set(want))}")
    changed = sorted(c for c in set(want) & set(have) if want[c] != have[c])
    if changed:
        parts.append(f"has columns {changed} defined differently")
    if not parts:
        parts.append("has constraints other than skal's (a CHECK or key changed)")
    return f"table {name!r} " + " and ".join(parts)


# ------------------------------------------------------------------ values
def _json(text):
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return _INVALID


_INVALID = object()
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _is_index(value, n_pool):
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (n_pool is None or 0 <= value < n_pool)
    )


def _meta_problems(meta):
    problems = []
    for key in sorted(set(meta) - set(META_KEYS)):
        problems.append(f"meta has an unexpected key {key!r}")
    if meta.get("format") != "skal-journal":
        problems.append(f"meta 'format' is {meta.get('format')!r}, not 'skal-journal'")
    n_pool = meta.get("n_pool")
    if ("n_pool" in meta) != ("pool_fingerprint" in meta):
        problems.append("meta has one of 'n_pool' and 'pool_fingerprint' only")
    if n_pool is not None and not re.fullmatch(r"0|[1-9][0-9]{0,15}", n_pool):
        problems.append(f"meta 'n_pool' is {n_pool!r}, not a number of rows")
    fingerprint = meta.get("pool_fingerprint")
    if fingerprint is not None and not _HEX64.fullmatch(fingerprint):
        problems.append("meta 'pool_fingerprint' is not a SHA-256 digest")
    kind = meta.get("label_type")
    if kind is not None and kind not in LABEL_TYPES:
        problems.append(f"meta 'label_type' is {kind!r}, not one of {LABEL_TYPES}")
    if meta.get("row_keys") not in (None, "pool", "given"):
        problems.append(f"meta 'row_keys' is {meta['row_keys']!r}")
    if "classes" in meta:
        classes = _json(meta["classes"])
        try:
            if not isinstance(classes, list):
                raise ValueError("not a JSON list")
            _, classes_type = check_classes(classes)
            if kind is not None and classes_type != kind:
                raise ValueError(f"they are {classes_type}s, the labels {kind}s")
        except (TypeError, ValueError) as exc:
            problems.append(f"meta 'classes' is not a list of classes ({exc})")
    return problems


def _answer_problems(rows, n_pool, sessions):
    problems = []
    for seq, idx, kind, label, previous, undoes, rnd, session, source, t in rows:
        where = f"entry {seq}"
        if not _is_index(idx, n_pool):
            bound = "no pool is bound" if n_pool is None else f"{n_pool} rows"
            problems.append(f"{where}: row {idx!r} is outside the pool ({bound})")
        if kind not in KINDS:
            problems.append(f"{where}: kind {kind!r} is not one of {KINDS}")
            continue
        if (label is not None) != (kind in ("label", "relabel")) or not (
            label is None or isinstance(label, str)
        ):
            problems.append(f"{where}: a {kind} with label {label!r}")
        if (previous is not None) != (kind in ("relabel", "remove")) or not (
            previous is None or isinstance(previous, str)
        ):
            problems.append(f"{where}: a {kind} with previous label {previous!r}")
        if (undoes is not None) != (kind == "undo") or not (
            undoes is None or _is_index(undoes, None)
        ):
            problems.append(f"{where}: a {kind} that undoes {undoes!r}")
        if rnd is not None and not _is_index(rnd, None):
            problems.append(f"{where}: round {rnd!r} is not a round number")
        if session is not None and session not in sessions:
            problems.append(f"{where}: session {session!r} does not exist")
        if not isinstance(source, str) or not source:
            problems.append(f"{where}: source {source!r} is not a name")
        if not isinstance(t, (int, float)) or not math.isfinite(t):
            problems.append(f"{where}: time {t!r} is not a time")
        if len(problems) >= _MAX_PROBLEMS:
            break
    return problems


def _round_problems(conn, schema, n_pool, sessions):
    problems = []
    for rnd, session, queried in conn.execute(
        f"SELECT round, session, queried FROM {schema}.rounds ORDER BY round"
    ):
        where = f"round {rnd!r}"
        if not _is_index(rnd, None):
            problems.append(f"{where} is not a round number")
        if session not in sessions:
            problems.append(f"{where}: session {session!r} does not exist")
        indices = _json(queried) if isinstance(queried, str) else _INVALID
        if not isinstance(indices, list) or not all(
            _is_index(i, n_pool) for i in indices
        ):
            problems.append(f"{where}: its queried rows are not rows of the pool")
    return problems


def value_problems(conn, schema, version=SCHEMA_VERSION):
    """What is wrong with the values of a journal of ``version`` (structure
    already checked); run inside one read transaction for a consistent view."""
    meta = dict(conn.execute(f"SELECT key, value FROM {schema}.meta"))
    problems = _meta_problems(meta)
    n_pool = int(meta["n_pool"]) if not problems and "n_pool" in meta else None
    sessions = {row[0] for row in conn.execute(f"SELECT id FROM {schema}.sessions")}
    if version == 1:
        rows = [
            (seq, idx, kind, label, None, None, rnd, session, source, t)
            for seq, idx, kind, label, rnd, session, source, t in conn.execute(
                f"SELECT seq, idx, kind, label, round, session, source, time "
                f"FROM {schema}.answers ORDER BY seq"
            )
        ]
    else:
        rows = conn.execute(
            f"SELECT seq, idx, kind, label, previous, undoes, round, session, "
            f"source, time FROM {schema}.answers ORDER BY seq"
        ).fetchall()
    problems += _answer_problems(rows, n_pool, sessions)
    problems += _round_problems(conn, schema, n_pool, sessions)
    if problems:
        return problems[:_MAX_PROBLEMS]
    state = replay(rows)
    problems += state["problems"]
    if version >= 2 and not problems:
        stored = dict(conn.execute(f"SELECT idx, seq FROM {schema}.current_labels"))
        if stored != state["current"]:
            rows_off = sorted(
                i
                for i in set(stored) | set(state["current"])
                if stored.get(i) != state["current"].get(i)
            )
            problems.append(
                f"the current labels of rows {rows_off[:10]} are not those the "
                "answers log gives"
            )
        for idx, fingerprint in conn.execute(
            f"SELECT idx, fingerprint FROM {schema}.row_fingerprints"
        ):
            if not _is_index(idx, n_pool) or not (
                isinstance(fingerprint, str) and _HEX64.fullmatch(fingerprint)
            ):
                problems.append(f"row fingerprint of row {idx!r} is not valid")
                break
    return problems[:_MAX_PROBLEMS]


# --------------------------------------------------------------- migration
def migrate_v1(conn, source="main"):
    """Bring a version-1 journal to the current schema (inside a transaction).

    ``source="main"`` migrates in place; another schema name copies from
    that attached version-1 journal into an empty ``main`` (a read-only
    journal is read this way, without writing to it).
    """
    columns = "seq, idx, kind, label, round, session, source, time"
    if source == "main":
        conn.execute("ALTER TABLE answers RENAME TO answers_v1")
        old = "answers_v1"
        for statement in _NEW_IN_V2:
            conn.execute(statement)
    else:
        old = f"{source}.answers"
        create(conn)
        for table in ("meta", "sessions", "rounds"):
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM {source}.{table}")
    conn.execute(
        f"INSERT INTO main.answers ({columns}) SELECT {columns} FROM {old} ORDER BY seq"
    )
    conn.execute(
        "INSERT INTO main.current_labels (idx, seq) SELECT idx, seq FROM "
        "main.answers WHERE kind = 'label'"
    )
    if source == "main":
        conn.execute("DROP TABLE answers_v1")
    types = conn.execute(
        "SELECT label FROM main.answers WHERE kind = 'label' ORDER BY seq"
    ).fetchall()
    kinds = [type(decode_label(text)).__name__ for (text,) in types]
    if kinds:
        # The type most labels have: the odd ones out are the mistakes a
        # version-1 journal could not refuse.
        majority = max(dict.fromkeys(kinds), key=kinds.count)
        conn.execute(
            "INSERT OR REPLACE INTO main.meta (key, value) VALUES ('label_type', ?)",
            (majority,),
        )
    conn.execute(
        "INSERT OR REPLACE INTO main.meta (key, value) VALUES ('migrated_from', '1')"
    )
    conn.execute(f"PRAGMA main.user_version = {SCHEMA_VERSION}")
