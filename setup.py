from setuptools import find_packages, setup

setup(
    name="nlp-zero",
    version="0.2.0",
    description="Learn Chinese words, sentence templates and structure from raw text (minimum-entropy principle)",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["nlp_zero", "nlp_zero.*"]),
    package_data={"nlp_zero": ["py.typed", "data/*.xz", "data/README.md"]},
    install_requires=[],
    extras_require={
        "test": ["pytest>=7", "jieba==0.42.1", "tokenizers", "sentencepiece"],
        # A lower bound only: the client must match the cluster's Spark (README, "On Apache Spark").
        "spark": ["pyspark>=3.5"],
    },
    entry_points={"console_scripts": ["nlp-zero=nlp_zero.cli:console_main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Natural Language :: Chinese (Simplified)",
        "Topic :: Text Processing :: Linguistic",
    ],
)
