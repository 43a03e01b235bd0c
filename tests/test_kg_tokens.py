"""mlkg's BM25 tokens equal bm25s's own, so postings built by either match (and `kg ask` need not import bm25s)."""

import subprocess
import sys

import bm25s
import Stemmer

from kg.search.tokens import tokenize

from .conftest import FIXTURES, ROOT

ODD = ["Café naïve résumé — 3D GPUs' costs_2024", "", "The THE the a an", "x y", "ÉTÉ été Été", "model-stealing: 99.5%"]


def test_tokens_equal_bm25s_on_real_notes_and_odd_text():
    notes = [
        *ROOT.joinpath("notes").rglob("*.md"),
        *FIXTURES.rglob("*.md"),
        *ROOT.joinpath("bench", "eval").rglob("*.md"),
    ]
    texts = [line for note in notes for line in note.read_text("utf-8").splitlines()] + ODD
    theirs = bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False, return_ids=False
    )
    assert tokenize(texts) == [list(tokens) for tokens in theirs]
    assert len(texts) > 800


def test_tokenizing_does_not_import_bm25s_or_scipy():
    code = "import sys; from kg.search.tokens import tokenize; tokenize(['drift']); print('bm25s' in sys.modules, 'scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "False"]
