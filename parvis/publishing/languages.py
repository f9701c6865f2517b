"""ISO 639-1 language codes, each with the language's own name (what a speaker of it
recognises in a list, whatever the language of the interface)."""

from __future__ import annotations

ISO_639_1: dict[str, str] = {
    "aa": "Afaraf", "ab": "аҧсуа бызшәа", "ae": "avesta", "af": "Afrikaans", "ak": "Akan",
    "am": "አማርኛ", "an": "aragonés", "ar": "العربية", "as": "অসমীয়া", "av": "авар мацӀ",
    "ay": "aymar aru", "az": "azərbaycan dili", "ba": "башҡорт теле", "be": "беларуская",
    "bg": "български", "bi": "Bislama", "bm": "bamanankan", "bn": "বাংলা", "bo": "བོད་ཡིག",
    "br": "brezhoneg", "bs": "bosanski", "ca": "català", "ce": "нохчийн мотт", "ch": "Chamoru",
    "co": "corsu", "cr": "ᓀᐦᐃᔭᐍᐏᐣ", "cs": "čeština", "cu": "ѩзыкъ словѣньскъ", "cv": "чӑваш чӗлхи",
    "cy": "Cymraeg", "da": "dansk", "de": "Deutsch", "dv": "ދިވެހި", "dz": "རྫོང་ཁ", "ee": "Eʋegbe",
    "el": "Ελληνικά", "en": "English", "eo": "Esperanto", "es": "español", "et": "eesti",
    "eu": "euskara", "fa": "فارسی", "ff": "Fulfulde", "fi": "suomi", "fj": "vosa Vakaviti",
    "fo": "føroyskt", "fr": "français", "fy": "Frysk", "ga": "Gaeilge", "gd": "Gàidhlig",
    "gl": "galego", "gn": "Avañe'ẽ", "gu": "ગુજરાતી", "gv": "Gaelg", "ha": "Hausa", "he": "עברית",
    "hi": "हिन्दी", "ho": "Hiri Motu", "hr": "hrvatski", "ht": "kreyòl ayisyen", "hu": "magyar",
    "hy": "Հայերեն", "hz": "Otjiherero", "ia": "Interlingua", "id": "Bahasa Indonesia",
    "ie": "Interlingue", "ig": "Asụsụ Igbo", "ii": "ꆈꌠ꒿ Nuosuhxop", "ik": "Iñupiaq", "io": "Ido",
    "is": "íslenska", "it": "italiano", "iu": "ᐃᓄᒃᑎᑐᑦ", "ja": "日本語", "jv": "basa Jawa",
    "ka": "ქართული", "kg": "Kikongo", "ki": "Gĩkũyũ", "kj": "Kuanyama", "kk": "қазақ тілі",
    "kl": "kalaallisut", "km": "ខ្មែរ", "kn": "ಕನ್ನಡ", "ko": "한국어", "kr": "Kanuri",
    "ks": "कश्मीरी", "ku": "Kurdî", "kv": "коми кыв", "kw": "Kernewek", "ky": "кыргызча",
    "la": "latine", "lb": "Lëtzebuergesch", "lg": "Luganda", "li": "Limburgs", "ln": "lingála",
    "lo": "ພາສາລາວ", "lt": "lietuvių", "lu": "Tshiluba", "lv": "latviešu", "mg": "malagasy",
    "mh": "Kajin M̧ajeļ", "mi": "te reo Māori", "mk": "македонски", "ml": "മലയാളം",
    "mn": "монгол хэл", "mr": "मराठी", "ms": "Bahasa Melayu", "mt": "Malti", "my": "မြန်မာစာ",
    "na": "Dorerin Naoero", "nb": "norsk bokmål", "nd": "isiNdebele", "ne": "नेपाली",
    "ng": "Owambo", "nl": "Nederlands", "nn": "norsk nynorsk", "no": "norsk",
    "nr": "isiNdebele (South)", "nv": "Diné bizaad", "ny": "chiCheŵa", "oc": "occitan",
    "oj": "ᐊᓂᔑᓈᐯᒧᐎᓐ", "om": "Afaan Oromoo", "or": "ଓଡ଼ିଆ", "os": "ирон æвзаг", "pa": "ਪੰਜਾਬੀ",
    "pi": "पाऴि", "pl": "polski", "ps": "پښتو", "pt": "português", "qu": "Runa Simi",
    "rm": "rumantsch", "rn": "Ikirundi", "ro": "română", "ru": "русский", "rw": "Ikinyarwanda",
    "sa": "संस्कृतम्", "sc": "sardu", "sd": "सिन्धी", "se": "davvisámegiella", "sg": "yângâ tî sängö",
    "si": "සිංහල", "sk": "slovenčina", "sl": "slovenščina", "sm": "gagana faʻa Sāmoa",
    "sn": "chiShona", "so": "Soomaaliga", "sq": "shqip", "sr": "српски", "ss": "SiSwati",
    "st": "Sesotho", "su": "Basa Sunda", "sv": "svenska", "sw": "Kiswahili", "ta": "தமிழ்",
    "te": "తెలుగు", "tg": "тоҷикӣ", "th": "ไทย", "ti": "ትግርኛ", "tk": "Türkmençe",
    "tl": "Wikang Tagalog", "tn": "Setswana", "to": "faka Tonga", "tr": "Türkçe", "ts": "Xitsonga",
    "tt": "татар теле", "tw": "Twi", "ty": "reo Tahiti", "ug": "ئۇيغۇرچە", "uk": "українська",
    "ur": "اردو", "uz": "oʻzbekcha", "ve": "Tshivenḓa", "vi": "Tiếng Việt", "vo": "Volapük",
    "wa": "walon", "wo": "Wolof", "xh": "isiXhosa", "yi": "ייִדיש", "yo": "Yorùbá",
    "za": "Saɯ cueŋƅ", "zh": "中文", "zu": "isiZulu",
}


def language_name(code: str) -> str:
    """"français (fr)" for a known code, the code itself otherwise."""
    name = ISO_639_1.get(code.lower())
    return f"{name} ({code})" if name else code
