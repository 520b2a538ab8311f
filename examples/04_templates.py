"""Sentence templates and structure: Template, TemplateFinder, Parser, SentTree.

Run:  python3 examples/04_templates.py

Any callable ``str -> list[str]`` tokenizes: here pre-segmented text split on
spaces, so the example runs on its own.  On a real corpus use the project's
tokenizer, e.g. ``Tokenizer("news.dict.txt").lcut`` (or the CLI:
``nlp-zero templates corpus.txt -l news.dict.txt -o news`` then
``nlp-zero parse -l news.dict.txt -t news.templates.txt``).
"""

import os
import tempfile

from nlp_zero.parser import Parser
from nlp_zero.templates import Template, TemplateFinder, TemplateSet

# 1. Strict matching: a literal is one identical token, [X] one or more tokens.
t = Template.parse("[X]可以[X]吗")
print(t, t.match("牛肉 鸡蛋 可以 吃 吗".split()), t.match("鸡蛋 可以 吃 吗 呢".split()))

# 2. The hand-made demo set of the original nlp-zero (docs/design.md §9).
demo = TemplateSet({t: 1 for t in ["[X]呢", "[X]可以[X]吗", "我[X]", "[X]的[X]是[X]",
                                   "[X]的[X]是[X]呢", "[X]的[X]", "[X]和[X]"]})
parser = Parser(demo, str.split)
for sentence in ["鸡蛋 可以 吃 吗", "牛肉 鸡蛋 可以 吃 吗", "苹果 的 颜色 是 什么 呢"]:
    print(parser.parse(sentence).bracket())
tree = parser.parse("我 的 苹果 和 你 的 鸡蛋 可以 吃 吗")
print(tree.pretty())
print("coarse to fine:", [tree.segmentation(d) for d in range(3)])

# 3. Learning: word and skip-gram counts (train), then candidate templates (find).
nouns = "鸡蛋 牛肉 苹果 米饭 面条 豆腐 白菜 鱼 桌子 手机 汽车 房子".split()
verbs = "吃 喝 买 卖 做 看 洗 煮 修".split()
text = []
for k, noun in enumerate(nouns):
    for m, verb in enumerate(verbs):
        other = nouns[(k + m + 1) % len(nouns)]
        text += [f"{noun} 可以 {verb} 吗 ？", f"{noun} 的 {other} 是 什么 呢 ？", f"我 在 {other} 上 {verb} 了 {noun} 。"]
finder = TemplateFinder(str.split)
finder.train(text)  # additive: train() again on more text and the counts add up
templates = finder.find()  # train() kept what find() needs: no second pass
print(f"{len(templates)} templates; the top non-trivial ones:")
for template, count in templates.most_common(8, trivial=False):
    print(f"  {count:3}  {template}")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "demo.templates.txt")
    templates.save(path)  # 'template<TAB>count', sorted by (-count, template)
    print(open(path, encoding="utf-8").read().splitlines()[:3])
    learned = Parser(TemplateSet.load(path), str.split)

tree = learned.parse("面条 牛肉 可以 炒 吗 ？")
print(tree.bracket())
print(tree.to_json())
