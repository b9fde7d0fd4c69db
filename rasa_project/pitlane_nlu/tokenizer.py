"""A whitespace tokenizer whose tokens are normalised (see pitlane_nlu/text.py).

Every featurizer after it (regex, lexical, word and character counts) and DIET read the
normalised token, while each token keeps its place in the original text, so the regex
entity extractor and the messages themselves are unchanged.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from pitlane_nlu.text import normalise_word


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalisingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer, then each token lower-cased, without accents, expanded."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        normalised: list[Token] = []
        for token in tokens:
            for word in normalise_word(token.text) or [token.text]:
                normalised.append(Token(word, token.start, token.end, dict(token.data), word))
        return normalised
