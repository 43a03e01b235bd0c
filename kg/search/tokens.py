"""BM25's tokens, as bm25s makes them (lower case, scikit-learn's word pattern, its English stop words,
the Snowball stemmer), without importing the bm25s package, whose import loads scipy (0.2 s of a `kg ask`)."""

import importlib.util
import re
from functools import cache
from pathlib import Path

import Stemmer

WORD = re.compile(r"(?u)\b\w\w+\b")


@cache
def stopwords() -> frozenset[str]:
    """bm25s's English stop words, read from its `stopwords` module alone (the package's own import is heavy)."""
    spec = importlib.util.find_spec("bm25s")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bm25s is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "stopwords.py"
    module_spec = importlib.util.spec_from_file_location("_mlkg_bm25s_stopwords", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot read {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(module.STOPWORDS_EN)


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Each text's stemmed words, stop words left out, in order."""
    stop, stem = stopwords(), _stemmer().stemWord
    return [[stem(word) for word in WORD.findall(text.lower()) if word not in stop] for text in texts]
