"""CSV files as planners write them: comma-separated, or the semicolons and decimal commas of
a spreadsheet set to Spanish (and most continental European) conventions.

Used by every ``routing-ml`` command that reads a table, so ``2,5`` in a ``;`` file is the
number 2.5 and not a column named ``'unique_id;ds;y'``; the tables a command writes follow
its main input's format (:func:`write_table`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: columns read as text whatever they hold (identifiers, not numbers)
ID_COLUMNS = ("unique_id", "agent_id", "contact_id", "customer_id")
#: how :func:`write_table` writes floats
FLOAT_FORMAT = "%.12g"

# a number as a Spanish spreadsheet (or write_table) writes it: "2,5", "1.234", "1.234,5",
# "-7", "1,5e-05", "inf"
_DECIMAL_COMMA = re.compile(
    r"^\s*[-+]?((\d{1,3}(\.\d{3})+|\d+)(,\d+)?([eE][-+]?\d+)?|inf)\s*$")
# what pandas reads as a decimal point but a spreadsheet set to Spanish writes as thousands:
# "1.234", "12.500", "1.000.000" (a leading 0, as in "0.125", is a decimal point)
_THOUSANDS_ONLY = re.compile(r"^\s*[-+]?[1-9]\d{0,2}(\.\d{3})+\s*$")


def sniff_separator(path: str | Path) -> str:
    """``";"`` when the header line has semicolons and no comma outside quotes, else
    ``","``. Only the first line is read."""
    with Path(path).open(encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    unquoted = re.sub(r'"[^"]*"', "", header)
    return ";" if ";" in unquoted and "," not in unquoted else ","


def write_table(df: pd.DataFrame, path: str | Path, *, like: str | Path | None = None,
                index: bool = False) -> None:
    """Write ``df`` as CSV in the format of the input file ``like``: semicolons and decimal
    commas when it was a ``;`` file (a spreadsheet set to Spanish, which opens a comma file
    as one column), else commas and decimal points. :func:`read_table` reads both, so the
    next command of the chain reads what this one wrote."""
    sep = ","
    if like is not None and Path(like).suffix.lower() not in (".parquet", ".pq", ".json") \
            and Path(like).is_file():
        sep = sniff_separator(like)
    # (UTF-8 with a byte-order mark after a ';' input: Excel set to Spanish reads a file
    # without one as Windows-1252, and "atención" as "atenciÃ³n")
    # (12 significant digits: 0.30000000000000004 is written 0.3, and no figure a planner
    # reads loses anything)
    df.to_csv(path, index=index, sep=sep, decimal="," if sep == ";" else ".",
              float_format=FLOAT_FORMAT, encoding="utf-8-sig" if sep == ";" else "utf-8")


def read_table(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV with ``pandas.read_csv(**kwargs)``; a semicolon-separated file is read
    with ``sep=";"`` and its text columns holding only decimal-comma numbers (``"2,5"``,
    ``"1.234,5"``) become floats; numbers written only with thousands points (``"1.234"``)
    are a ValueError (1234 or 1.234?). Columns named in a ``dtype`` keyword keep their given type; the id columns
    (``unique_id``, ``agent_id``, ``contact_id``, ``customer_id``) are text. A file that
    is not UTF-8 is read as Windows-1252 (what Excel writes in Spain) with a warning; an
    empty or unreadable file is a ValueError naming it. Rows whose every cell is empty are
    dropped, spaces around the header's names and the ids are trimmed, and a separator at
    the end of every row is an empty last field (not a first column of row labels)."""
    import warnings

    import pandas as pd

    sep = sniff_separator(path)
    # a separator at the end of every row (``ana;voice;``, as spreadsheets export) is an
    # empty last field, not a first column of row labels that shifts every column by one
    kwargs.setdefault("index_col", False)
    # ids stay text: "001" is not the queue 1, nor "007" the agent 7
    given = kwargs.get("dtype")
    if given is None or isinstance(given, dict):
        kwargs["dtype"] = {**{c: str for c in ID_COLUMNS}, **(given or {})}
        # (the header as written: ' unique_id ' is unique_id, and its ids stay text too)
        with Path(path).open(encoding="utf-8-sig", errors="replace") as fh:
            header = [h.strip('"') for h in fh.readline().rstrip("\r\n").split(sep)]
        for h in header:
            if h != h.strip() and h.strip() in kwargs["dtype"]:
                kwargs["dtype"][h] = kwargs["dtype"][h.strip()]
    try:
        try:
            df = pd.read_csv(path, sep=sep, **kwargs)
        except UnicodeDecodeError:
            if "encoding" in kwargs:
                raise
            kwargs["encoding"] = "cp1252"  # (the numbers' second look reads it so too)
            df = pd.read_csv(path, sep=sep, **kwargs)
            warnings.warn(f"{path} is not UTF-8: read as Windows-1252 (Excel's 'CSV' in Spain). "
                          "Save it as 'CSV UTF-8' to be sure accents are read right.", stacklevel=2)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty (no header line). Fix: export the table again with "
                         "its column names.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable CSV table: {exc}. Fix: save it as 'CSV UTF-8' "
                         "with one header line.") from None
    # a header cell with spaces around the name ('ds ') is that column, not a missing 'ds'
    names = [c.strip() if isinstance(c, str) else c for c in df.columns]
    if names != list(df.columns) and len(set(names)) == len(names):
        df.columns = names
    # rows with every cell empty (the ';;;;' lines a spreadsheet leaves below its table)
    # hold nothing: dropped, not read as a row of missing values
    blank = df.isna().all(axis=1)
    if blank.any():
        df = df.loc[~blank].reset_index(drop=True)
    # ids without the spaces around them (" voice " from a spreadsheet is the queue voice)
    for c in ID_COLUMNS:
        if c in df.columns and df[c].dtype == object:
            df[c] = df[c].str.strip()
    if sep == ";":
        keep = set((kwargs.get("dtype") or {}).keys()) if isinstance(kwargs.get("dtype"), dict) else set()
        _spanish_numbers(df, keep, path, sep, kwargs)
    return df


def _spanish_numbers(df: pd.DataFrame, keep: set, path: str | Path, sep: str,
                     kwargs: dict[str, Any]) -> None:
    """Numbers of a ``;`` file in place: text columns holding only Spanish-written numbers
    (``"2,5"``, ``"1.234,5"``) become floats; a column pandas read as numbers from values
    that are all thousands-grouped (``"1.234"``: 1234 to a Spanish spreadsheet, 1.234 to
    pandas) is a ValueError naming the column and a value — never a silent 1,000-fold
    error."""
    import pandas as pd

    numeric = [c for c in df.columns if c not in keep and pd.api.types.is_float_dtype(df[c])]
    if numeric:
        raw = pd.read_csv(path, sep=sep, dtype=str, usecols=numeric,
                          **{k: v for k, v in kwargs.items() if k not in ("dtype", "usecols")})
        for col in numeric:
            dotted = raw[col].dropna()
            dotted = dotted[dotted.str.contains(".", regex=False)]
            if len(dotted) and dotted.str.match(_THOUSANDS_ONLY).all():
                raise ValueError(
                    f"{path}: column '{col}' holds {dotted.iloc[0]!r} in a ';'-separated file: "
                    f"a Spanish spreadsheet means {dotted.iloc[0].replace('.', '')} (a thousands "
                    f"separator), pandas would read {float(dotted.iloc[0])}. Fix: export the "
                    f"numbers without thousands separators (e.g. 1234 or 1234,5).")
    for col in df.columns:
        if col in keep or df[col].dtype != object:
            continue
        values = df[col].dropna().astype(str)
        if (len(values) and values.str.match(_DECIMAL_COMMA).all()
                and values.str.contains(r"[,.]").any()):
            df[col] = pd.to_numeric(df[col].str.replace(".", "", regex=False)
                                    .str.replace(",", ".", regex=False))
