"""Count character n-grams of the bundled demo corpus with the Python API.

    python examples/01_count.py
"""

from nlp_zero import Corpus, NgramCounter
from nlp_zero.corpus import demo_path
from nlp_zero.text import readable

corpus = Corpus(demo_path())  # any files, directories, globs; .gz/.bz2/.xz are read transparently
counter = NgramCounter(order=4, min_count=2)
counter.update(corpus)  # additive: call again with more text

print(f"{counter.chars:,} characters counted")
for gram, count in counter.most_common(10, order=4):
    print(readable(gram), count)

# Counters add exactly, so shards can be counted apart and combined:
half = NgramCounter(order=2)
half.update(["吃葡萄不吐葡萄皮"])
print("葡萄 in two halves:", (half + half)["葡萄"])
