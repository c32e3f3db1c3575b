"""jieba segmentation, loaded once, lazily and quietly.

jieba builds its prefix dictionary on first use and logs about it to stderr; we build a private
``Tokenizer`` the first time a text is segmented, with jieba's logger turned down, and teach it the
ledger vocabulary so that stock phrases and Party terms come out as single tokens.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

from . import lexicon

_lock = threading.Lock()
_tokenizer = None


def _load():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in lexicon.USER_WORDS:
                    tokenizer.add_word(word, freq=200000)
                _tokenizer = tokenizer
    return _tokenizer


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """Words of ``text`` (punctuation and spaces dropped)."""
    return tuple(w for w in _load().lcut(text, HMM=True) if w.strip() and not lexicon.PUNCT.fullmatch(w))
