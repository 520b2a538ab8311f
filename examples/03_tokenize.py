"""Segment text with a lexicon: Lexicon files, Tokenizer, offsets.

Run:  python3 examples/03_tokenize.py

A lexicon usually comes from word discovery (``nlp-zero discover``) or is any
jieba-format dictionary; here a small one is written by hand so the example
runs on its own.
"""

import os
import tempfile

from nlp_zero.lexicon import Lexicon
from nlp_zero.text import NUM
from nlp_zero.tokenizer import Tokenizer

# Word -> count.  NUM stands for any number (written <NUM> in files), so
# NUM+年 matches 1998年 and １９９８年 alike.
lex = Lexicon({"中华人民共和国": 30, "宪法": 30, "规定": 45, "第": 80, "条": 70, "售价": 50,
               "元": 40, "人民": 60, "公民": 25, "的": 200, "权利": 35, NUM + "年": 35})
print(lex, f"p(的) = {lex.prob('的'):.3f}")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "demo.dict.txt")
    lex.save(path)  # jieba format: loads into jieba.Tokenizer(dictionary=path) too
    print(open(path, encoding="utf-8").read().splitlines()[:3])
    tok = Tokenizer(path)  # a path, a Lexicon or a plain dict of counts

text = "《中华人民共和国宪法》第３３条规定：公民的权利。iPhone8售价6888元，1998年"
print(" / ".join(tok.cut(text)))
for word, start, end in tok.tokenize("1998年售价"):
    print(f"{word}\t{start}\t{end}")
assert "".join(tok.lcut(text)) == text  # nothing is ever lost

tok.add_word("基本权利")  # count chosen so that the word is kept whole (jieba's suggest_freq)
print(tok.lcut("公民的基本权利"))

# new words of a learned lexicon against a reference one
learned = Lexicon({"宪法": 3, "基本权利": 2, "公民": 4})
print("new words:", list(learned.diff(lex)))
