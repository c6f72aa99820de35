"""How positive a comment reads, from -1 to 1, by an analyser that fits its language.

Analysers ship their data and run offline: VADER for English, SnowNLP for Chinese.
Anything else is neutral (0) rather than guessed.
"""

from functools import cache


class Analyser:
    def score(self, text: str) -> float:
        raise NotImplementedError


class Vader(Analyser):
    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyser = SentimentIntensityAnalyzer()

    def score(self, text: str) -> float:
        return float(self.analyser.polarity_scores(text)["compound"])


class SnowNlp(Analyser):
    def score(self, text: str) -> float:
        from snownlp import SnowNLP

        # SnowNLP answers the probability of positive, 0..1.
        return 2 * float(SnowNLP(text).sentiments) - 1


@cache
def _analyser_for(language: str) -> Analyser | None:
    if language == "en":
        return Vader()
    if language == "zh-hans":
        return SnowNlp()
    return None


def detect_language(text: str) -> str:
    """Good enough to pick an analyser: Han characters mean Chinese, Hangul Korean."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
    letters = sum(1 for ch in text if ch.isalpha())
    if letters and han / letters > 0.3:
        return "zh-hans"
    if letters and hangul / letters > 0.3:
        return "ko"
    return "en"


def analyse(text: str) -> tuple[str, float]:
    """The comment's language and sentiment; an empty comment is neutral."""
    text = (text or "").strip()
    if not text:
        return "", 0.0
    language = detect_language(text)
    analyser = _analyser_for(language)
    if analyser is None:
        return language, 0.0
    return language, max(-1.0, min(1.0, analyser.score(text)))
