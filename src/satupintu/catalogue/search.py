"""Finding a service the way citizens ask for it: "ktp hilang", "bikin sim", "akta lahir".

A small, explainable ranker rather than a search engine: a regency has a few hundred services,
so scoring them all in memory takes milliseconds and needs no extra infrastructure. Words are
normalised (case, accents, common spellings and colloquial verbs), matched exactly, by prefix or,
for longer words, by edit similarity to forgive typos, and weighted by the field they hit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
]
SYNONYMS = {
    "akte": "akta", "lahir": "kelahiran", "melahirkan": "kelahiran", "bayi": "kelahiran",
    "mati": "kematian", "meninggal": "kematian", "wafat": "kematian", "kematian": "kematian",
    "ijin": "izin", "perijinan": "izin", "perizinan": "izin", "permit": "izin", "license": "izin",
    "bikin": "baru", "buat": "baru", "membuat": "baru", "pembuatan": "baru", "penerbitan": "baru",
    "terbit": "baru", "new": "baru", "daftar": "pendaftaran", "mendaftar": "pendaftaran",
    "perpanjang": "perpanjangan", "memperpanjang": "perpanjangan", "renew": "perpanjangan",
    "pasport": "paspor", "passport": "paspor", "pasfor": "paspor",
    "kawin": "nikah", "perkawinan": "nikah", "pernikahan": "nikah", "menikah": "nikah", "marriage": "nikah",
    "pam": "pdam", "ledeng": "pdam", "ilang": "hilang", "kehilangan": "hilang", "lost": "hilang",
    "sertipikat": "sertifikat", "certificate": "sertifikat", "pindahan": "pindah", "umkm": "usaha",
    "dagang": "usaha", "business": "usaha", "imb": "pbg", "listrik": "pln", "bpjs": "bpjs",
    "ganti": "penggantian", "rusak": "rusak", "tanah": "tanah", "birth": "kelahiran", "death": "kematian",
    "elektronik": "ktp",
}
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


def tokens(text: str) -> list[str]:
    out = []
    for word in normalise(text).split():
        word = SYNONYMS.get(word, word)
        out.extend(w for w in word.split() if len(w) > 1 or w.isdigit())
    return out


@dataclass(frozen=True)
class Document:
    key: str
    fields: dict[str, frozenset[str]]
    phrases: tuple[str, ...]


def document(key: str, *, name: str, name_en: str = "", keywords: Sequence[str] = (), product: str = "",
             summary: str = "", category: str = "", requirements: Sequence[str] = ()) -> Document:
    raw = {"name": name, "name_en": name_en, "keywords": " ".join(keywords), "product": product,
           "summary": summary, "category": category, "requirements": " ".join(requirements)}
    phrases = tuple(" ".join(tokens(p)) for p in (name, name_en, product, *keywords))
    return Document(key, {f: frozenset(tokens(v)) for f, v in raw.items()}, phrases)


def _match(word: str, candidates: frozenset[str]) -> float:
    if word in candidates:
        return 1.0
    best = 0.0
    for candidate in candidates:
        if len(word) >= 3 and candidate.startswith(word):
            best = max(best, 0.85)
        elif len(candidate) >= 4 and word.startswith(candidate):
            best = max(best, 0.6)
        elif len(word) >= 4 and abs(len(word) - len(candidate)) <= 2:
            similarity = Levenshtein.normalized_similarity(word, candidate)
            if similarity >= 0.7:
                best = max(best, similarity * 0.75)
    return best


def score(query_words: Sequence[str], doc: Document) -> float:
    if not query_words:
        return 0.0
    total, matched = 0.0, 0
    for word in query_words:
        best = max(FIELD_WEIGHTS[f] * _match(word, words) for f, words in doc.fields.items())
        if best > 0:
            matched += 1
        total += best
    coverage = matched / len(query_words)
    phrase = " ".join(query_words)
    if len(query_words) > 1 and any(phrase in p for p in doc.phrases):
        total += 2.0
    return total * coverage * coverage


def rank(query: str, docs: Iterable[Document], *, minimum: float = 1.2) -> list[tuple[str, float]]:
    """Document keys ranked best first; an empty query matches nothing (callers list everything)."""
    words = [w for w in tokens(query) if w not in STOPWORDS] or tokens(query)
    scored = [(doc.key, score(words, doc)) for doc in docs]
    return sorted(((k, s) for k, s in scored if s >= minimum), key=lambda item: (-item[1], item[0]))
