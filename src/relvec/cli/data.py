"""``relvec data``: which datasets relvec knows and which are present; ``relvec data download NAME``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from relvec.data import list_datasets, load_split, resolve_data_dir
from relvec.data.catalog import catalogue
from relvec.data.download import DEFAULT_BASE_URL, default_download_dir, download, downloadable
from relvec.data.paths import DATA_ENV
from relvec.data.registry import DATASETS
from relvec.errors import RelvecError, check_choice
from relvec.files.outputs import check_output_folder


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "data",
        help="list the datasets and what is present; download the pinned public files",
        description="List the known datasets: kind, splits, published sizes, and whether each split is present "
        "in the data folder (with its loaded size). 'relvec data download NAME' fetches the verbatim public files.",
    )
    _add_data_dir(parser)
    parser.set_defaults(run=run)
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION")
    listing = actions.add_parser("list", help="the table of datasets (the default)")
    _add_data_dir(listing)
    listing.set_defaults(run=run)
    fetch = actions.add_parser(
        "download",
        help="fetch a dataset's verbatim public split files, checked by sha256",
        description="Fetch the split files of NAME that are verbatim copies of a public file at a pinned commit, "
        "check each sha256, and save them under DEST at the same paths as in shared/data. "
        f"Downloadable: {', '.join(downloadable())}. SAT is never downloaded.",
    )
    fetch.add_argument("names", nargs="+", metavar="NAME", help="the datasets to fetch (required)")
    fetch.add_argument(
        "--dest", default=None, help="folder to save the files into, as a data folder (default: <relvec cache>/data)"
    )
    fetch.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help="server holding the pinned repositories' raw files, for a mirror of raw.githubusercontent.com",
    )
    fetch.set_defaults(run=run_download)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,  # so `relvec data --data-dir X list` keeps X
        help="data folder to look in, laid out like shared/data (default: $RELVEC_DATA)",
    )


def run(args: argparse.Namespace) -> int:
    given = getattr(args, "data_dir", None)
    try:
        data_dir = resolve_data_dir(given)
    except RelvecError as error:
        if given is not None or os.environ.get(DATA_ENV):
            raise  # a folder was named but is wrong: say so, not a listing that looks like nothing is there
        # No folder set at all: the catalogue still helps, and the note says where to point relvec.
        data_dir, infos = None, catalogue(None)
        note = (
            f"{error}. `relvec data download NAME` fetches the public files into {default_download_dir()} "
            f"(then use --data-dir {default_download_dir()})"
        )
    else:
        infos, note = list_datasets(data_dir), None
    header = ("dataset", "kind", "split", "expected", "present", "loaded", "note")
    rows = []
    for info in infos:
        for i, (split, expected) in enumerate(info.splits.items()):
            present = info.available[split]
            loaded = str(len(load_split(info.name, split, data_dir))) if present else "-"
            first = i == 0
            rows.append(
                (
                    info.name if first else "",
                    info.kind if first else "",
                    split,
                    str(expected),
                    "yes" if present else "no",
                    loaded,
                    info.note if first else "",
                )
            )
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    right = {3, 5}  # numbers
    print(f"data folder: {data_dir}" if data_dir is not None else "data folder: none set (nothing is present)")
    for row in [header, *rows]:
        cells = [row[c].rjust(widths[c]) if c in right else row[c].ljust(widths[c]) for c in range(len(row))]
        print("  ".join(cells).rstrip())
    if note:
        print(f"relvec data: {note}", file=sys.stderr)
    return 0


def run_download(args: argparse.Namespace) -> int:
    for name in args.names:  # every name checked before the first file is fetched
        check_choice("dataset name", name, DATASETS)
    dest = Path(args.dest).expanduser() if args.dest else default_download_dir()
    check_output_folder("--dest", dest)
    for name in args.names:
        for item in download(name, dest, base_url=args.base_url):
            state = "already present" if item.already_present else "downloaded, sha256 ok"
            print(f"{item.dataset} {item.split}: {item.path} ({state})")
    print(f"use it with --data-dir {dest} or RELVEC_DATA={dest}")
    return 0
