"""BERT uncased WordPiece over a Hugging Face tokenizer.json (BertNormalizer, BertPreTokenizer,
WordPiece, [CLS] ... [SEP], truncation), for machines without `tokenizers`: Debian bookworm has
neither python3-tokenizers nor python3-transformers. The ids are checked against ids recorded
from DJL's HuggingFaceTokenizer (reference.json) wherever they are used.
"""
import json
import unicodedata

MAX_TOKENS = 128


class WordPiece:
    def __init__(self, tokenizer_json):
        t = json.load(open(tokenizer_json, encoding="utf-8"))
        self.vocab = t["model"]["vocab"]
        self.unk = self.vocab[t["model"].get("unk_token", "[UNK]")]
        self.prefix = t["model"].get("continuing_subword_prefix", "##")
        self.max_chars = t["model"].get("max_input_chars_per_word", 100)
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]

    @staticmethod
    def _is_punct(ch):
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith("P")

    @staticmethod
    def _is_cjk(cp):
        return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
                or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
                or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)

    def normalize(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or cat == "Zs":
                out.append(" ")
                continue
            if cat in ("Cc", "Cf"):
                continue
            if self._is_cjk(cp):
                out.append(f" {ch} ")
                continue
            out.append(ch)
        s = "".join(out).lower()
        s = unicodedata.normalize("NFD", s)
        return "".join(c for c in s if unicodedata.category(c) != "Mn")

    def pre_tokenize(self, text):
        words = []
        for chunk in text.split():
            cur = ""
            for ch in chunk:
                if self._is_punct(ch):
                    if cur:
                        words.append(cur)
                        cur = ""
                    words.append(ch)
                else:
                    cur += ch
            if cur:
                words.append(cur)
        return words

    def word_ids(self, word):
        if len(word) > self.max_chars:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text, max_tokens=MAX_TOKENS):
        ids = []
        for w in self.pre_tokenize(self.normalize(text)):
            ids.extend(self.word_ids(w))
        return [self.cls] + ids[:max_tokens - 2] + [self.sep]
