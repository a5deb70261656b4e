"""Search text for Chinese and Tibetan, which have no spaces between words.

Full-text engines (SQLite FTS5, PostgreSQL's `simple` configuration) split text
into words at spaces and punctuation, so a whole Chinese sentence becomes a
single "word" and a search for "高原" cannot find "高原病的识别". Indexing every
character and every pair of adjacent characters (the CJK bigram method Lucene
uses) lets any term of one or more characters be found; the query is turned into
bigrams the same way and all of them must match.
"""

import re

# Han ideographs (with extension A and compatibility forms). Tibetan marks its
# syllables with a tsheg (་), which becomes a space, so each syllable is a word.
_DENSE_SCRIPT = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_DENSE_SCRIPT}]+|[^\s{_DENSE_SCRIPT}]+")
_DENSE = re.compile(rf"[{_DENSE_SCRIPT}]+")
_TIBETAN_SYLLABLE_MARKS = re.compile(r"[\u0f0b\u0f0d\u0f0e]+")


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_search_text(text: str) -> str:
    """Text to index: words as they are, plus characters and bigrams of dense runs."""
    text = _TIBETAN_SYLLABLE_MARKS.sub(" ", text)
    terms: list[str] = []
    for run in _RUN.findall(text):
        if _DENSE.fullmatch(run):
            terms.extend(run)  # single characters, so that a one-character query matches
            terms.extend(_bigrams(run) if len(run) > 1 else [])
        else:
            terms.append(run)
    return " ".join(terms)


def cjk_search_query(query: str) -> str:
    """The query in the same terms: bigrams for dense runs, words as they are."""
    query = _TIBETAN_SYLLABLE_MARKS.sub(" ", query)
    terms: list[str] = []
    for run in _RUN.findall(query):
        terms.extend(_bigrams(run) if _DENSE.fullmatch(run) else [run])
    return " ".join(terms)
