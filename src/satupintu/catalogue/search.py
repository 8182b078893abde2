"""Finding a service the way citizens ask for it: "ktp hilang", "bikin sim", "akta lahir".

A small, explainable ranker rather than a search engine: a regency has a few hundred services,
so scoring them all in memory takes milliseconds and needs no extra infrastructure. Words are
normalised (case, accents, common spellings and colloquial verbs), matched exactly, by prefix or,
for longer words, by edit similarity to forgive typos, and weighted by the field they hit.

Kept compact for hundreds of regencies in one process: a service's words are computed once for its
text and shared by every regency whose text is the same (most of them take the shared catalogue as it
is), and what a query word matches in a vocabulary is remembered for the next regency with the same
vocabulary. Both memories are bounded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import cachetools
from rapidfuzz.distance import Levenshtein

PHRASES = [
    (r"\be[ -]?ktp\b|\bktp[ -]?el\b|\bktp[ -]?elektronik\b", "ktp"),
    (r"\bkartu tanda penduduk\b", "ktp"),
    (r"\bkartu keluarga\b", "kk"),
    (r"\bkartu identitas anak\b", "kia"),
    (r"\bsurat izin mengemudi\b", "sim"),
    (r"\bsurat keterangan catatan kepolisian\b|\bsurat kelakuan baik\b", "skck"),
    (r"\bbadan pertanahan\b", "bpn"),
    (r"\bbuku nikah\b", "nikah buku"),
    (r"\bp[ -]?irt\b", "pirt"),
    (r"\bsim ([abcd]|b1|b2|a umum|b1 umum)\b", lambda m: "sim sim" + m.group(1).replace(" ", "")),
    (r"\bkartu kuning\b", "ak1"),
    (r"\bak[ -]?1\b", "ak1"),
]
SYNONYMS = {
    "akte": "akta", "lahir": "kelahiran", "melahirkan": "kelahiran", "bayi": "kelahiran",
    "mati": "kematian", "meninggal": "kematian", "wafat": "kematian", "kematian": "kematian",
    "ijin": "izin", "perijinan": "izin", "perizinan": "izin", "permit": "izin", "license": "izin",
    "bikin": "baru", "buat": "baru", "membuat": "baru", "pembuatan": "baru", "new": "baru", "daftar": "pendaftaran", "mendaftar": "pendaftaran",
    "perpanjang": "perpanjangan", "memperpanjang": "perpanjangan", "renew": "perpanjangan",
    "pasport": "paspor", "passport": "paspor", "pasfor": "paspor",
    "kawin": "nikah", "perkawinan": "nikah", "pernikahan": "nikah", "menikah": "nikah", "marriage": "nikah",
    "pam": "pdam", "ledeng": "pdam", "ilang": "hilang", "kehilangan": "hilang", "lost": "hilang",
    "sertipikat": "sertifikat", "certificate": "sertifikat", "pindahan": "pindah", "umkm": "usaha",
    "dagang": "usaha", "business": "usaha", "imb": "pbg", "listrik": "pln", "bpjs": "bpjs",
    "ganti": "penggantian", "rusak": "rusak", "tanah": "tanah", "birth": "kelahiran", "death": "kematian",
}
DEFAULT_VARIANT = frozenset({"baru", "pendaftaran"})
"""When a citizen names only the document ("skck", "npwp"), the first-time service is the likely intent."""
_VOCABULARY = sorted(set(SYNONYMS) | set(SYNONYMS.values()))
STOPWORDS = frozenset({
    "cara", "urus", "mengurus", "ngurus", "gimana", "bagaimana", "mau", "ingin", "saya", "untuk", "yang",
    "di", "ke", "dan", "syarat", "persyaratan", "apa", "aja", "saja", "layanan", "dong", "nya", "tolong",
    "the", "how", "to", "a", "of", "for", "my", "i", "get", "apply", "pengurusan", "bisa", "kah", "tentang",
})
FIELD_WEIGHTS = {"name": 3.0, "keywords": 2.6, "product": 1.6, "name_en": 1.4, "summary": 1.0,
                 "category": 0.8, "requirements": 0.25}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for pattern, replacement in PHRASES:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _correct(word: str) -> str:
    """Map a misspelt colloquial word ("lahr", "paspr") onto the vocabulary it was meant to be."""
    if word in SYNONYMS or len(word) < 4:
        return SYNONYMS.get(word, word)
    limit = 1 if len(word) < 7 else 2
    best = min(_VOCABULARY, key=lambda v: Levenshtein.distance(word, v, score_cutoff=limit + 1))
    if Levenshtein.distance(word, best) <= limit and best != word:
        return SYNONYMS.get(best, best)
    return word


def tokens(text: str, *, correct: bool = False) -> list[str]:
    out = []
    for word in normalise(text).split():
        word = _correct(word) if correct else SYNONYMS.get(word, word)
        out.extend(w for w in word.split() if len(w) > 1 or w.isdigit())
    return out


@dataclass(frozen=True)
class Document:
    key: str
    fields: dict[str, frozenset[str]]
    phrases: tuple[str, ...]
    attrs: dict = field(default_factory=dict)


def _content_size(content: tuple[int, dict[str, frozenset[str]], tuple[str, ...]]) -> int:
    text_size, fields, phrases = content
    return 600 + text_size + sum(220 + 60 * len(words) for words in fields.values()) + sum(60 + len(p) for p in phrases)


_CONTENT: cachetools.LRUCache = cachetools.LRUCache(maxsize=6 * 1024 * 1024, getsizeof=_content_size)
"""A service text's indexed words and phrases, shared by every document with the same text (bytes bound)."""


def document(key: str, *, name: str, name_en: str = "", keywords: Sequence[str] = (), product: str = "",
             summary: str = "", category: str = "", requirements: Sequence[str] = (), **attrs: object) -> Document:
    text = (name, name_en, tuple(keywords), product, summary, category, tuple(requirements))
    content = _CONTENT.get(text)
    if content is None:
        raw = {"name": name, "name_en": name_en, "keywords": " ".join(keywords), "product": product,
               "summary": summary, "category": category, "requirements": " ".join(requirements)}
        content = _CONTENT[text] = (
            sum(len(v) + 50 for v in raw.values()),
            {f: frozenset(tokens(v)) for f, v in raw.items()},
            tuple(" ".join(tokens(p)) for p in (name, name_en, product, *keywords)),
        )
    return Document(key, content[1], content[2], dict(attrs))


def vocabulary(docs: Iterable[Document]) -> frozenset[str]:
    """Every word indexed in these documents (pass it to :func:`rank` to reuse what queries matched)."""
    return frozenset().union(*(words for doc in docs for words in doc.fields.values()))


def _similar(word: str, candidate: str) -> float:
    """How well one query word matches one indexed word: exact, prefix, or close in spelling."""
    if word == candidate:
        return 1.0
    if len(word) >= 3 and candidate.startswith(word):
        return 0.85
    if len(candidate) >= 4 and word.startswith(candidate):
        return 0.6
    if len(word) >= 4 and abs(len(word) - len(candidate)) <= 2:
        similarity = Levenshtein.normalized_similarity(word, candidate, score_cutoff=0.7)
        return similarity * 0.75
    return 0.0


def _matches(word: str, vocabulary: Iterable[str]) -> dict[str, float]:
    """Every indexed word the query word matches, computed once per query rather than per document."""
    out = {}
    for candidate in vocabulary:
        value = _similar(word, candidate)
        if value:
            out[candidate] = value
    return out


def score(query_words: Sequence[str], doc: Document, matches: dict[str, dict[str, float]] | None = None) -> float:
    """Sum over the query's words of the best field match, plus a little for every other field that
    agrees; then bonuses for the whole phrase and for how much of the service's name was asked for."""
    if not query_words:
        return 0.0
    if matches is None:
        vocabulary = set().union(*doc.fields.values())
        matches = {word: _matches(word, vocabulary) for word in query_words}
    total, matched, name_hits = 0.0, 0, set()
    for word in query_words:
        hits = matches[word]
        per_field = {f: FIELD_WEIGHTS[f] * max((hits.get(w, 0.0) for w in words), default=0.0)
                     for f, words in doc.fields.items()}
        best = max(per_field.values())
        if best > 0:
            matched += 1
            total += best + 0.1 * sum(1 for v in per_field.values() if v > 0)
        name_hits.update(w for w in doc.fields["name"] if hits.get(w, 0.0) >= 0.85)
    coverage = matched / len(query_words)
    phrase = " ".join(query_words)
    if any(phrase == p for p in doc.phrases):
        total += 2.0
    elif len(query_words) > 1 and any(phrase in p for p in doc.phrases):
        total += 1.0
    name = doc.fields["name"] - STOPWORDS
    if name:
        total += len(name_hits & name) / len(name)
    if not DEFAULT_VARIANT.isdisjoint(doc.fields["name"]) and DEFAULT_VARIANT.isdisjoint(query_words):
        total += 0.8
    return total * coverage * coverage


_MATCHES: cachetools.LRUCache = cachetools.LRUCache(maxsize=1024)
"""What one query word matched in one vocabulary: regencies with the same services share it."""


def _matches_in(word: str, words: frozenset[str]) -> dict[str, float]:
    key = (word, words)
    found = _MATCHES.get(key)
    if found is None:
        found = _MATCHES[key] = _matches(word, words)
    return found


def rank(query: str, docs: Iterable[Document], *, minimum: float = 1.2, relative: float = 0.4,
         words_of_docs: frozenset[str] | None = None) -> list[tuple[str, float]]:
    """Document keys ranked best first, keeping those within ``relative`` of the best score, so a
    precise question gets a short list; an empty query matches nothing (callers list everything).

    ``words_of_docs``: the :func:`vocabulary` of these documents or of more (a word's matches in a
    larger vocabulary score the same), computed once per index rather than per query."""
    docs = list(docs)
    words = [w for w in tokens(query, correct=True) if w not in STOPWORDS] or tokens(query, correct=True)
    known = words_of_docs if words_of_docs is not None else vocabulary(docs)
    matches = {word: _matches_in(word, known) for word in words}
    scored = [(doc.key, score(words, doc, matches)) for doc in docs]
    best = max((s for _, s in scored), default=0.0)
    floor = max(minimum, best * relative)
    return sorted(((k, s) for k, s in scored if s >= floor), key=lambda item: (-item[1], item[0]))
