"""Learn words from raw text: WordFinder -> Lexicon -> Tokenizer.

Run:  python3 examples/02_discover.py

Learns from part of the bundled demo corpus (PRC statutes); no dictionary,
no labelled data, no thresholds to set.  The same on the command line:

    nlp-zero discover corpus.txt -o laws      # laws.dict.txt, laws.tsv, laws.meta.json
    nlp-zero cut text.txt -l laws.dict.txt -d ' '
"""

import itertools

from nlp_zero.corpus import Corpus, demo_path
from nlp_zero.discovery import WordFinder
from nlp_zero.text import readable
from nlp_zero.tokenizer import Tokenizer

finder = WordFinder(order=4)  # the longest word, in characters
lines = list(itertools.islice(Corpus(demo_path()), 1500))
finder.train(lines[:1000])  # additive: train again with more text
finder.train(lines[1000:])
lexicon = finder.find()

st = finder.stats
print(f"{st.chars:,} characters, {st.words:,} words; "
      f"{st.bits_per_char_before:.2f} -> {st.bits_per_char_after:.2f} bits/char")
print("most frequent words:", " ".join(readable(w) for w in itertools.islice(lexicon, 30)))
long_words = [w for w in lexicon if len(w) >= 3][:15]
print("longer words:", " ".join(readable(w) for w in long_words))
print("scores of", long_words[0], lexicon.scores[long_words[0]])

tok = Tokenizer(lexicon)
print(" / ".join(tok.cut("公民的合法的私有财产不受侵犯。国家依照法律规定保护公民的私有财产权和继承权。")))

# Shards learned apart add up to the same result as one run.
a, b = WordFinder().train(lines[:700]), WordFinder().train(lines[700:])
assert (a + b).find().counts() == lexicon.counts()
