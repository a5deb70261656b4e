from courses.search_text import cjk_search_query, cjk_search_text


def test_chinese_is_indexed_as_characters_and_bigrams():
    assert cjk_search_text("高原病") == "高 原 病 高原 原病"


def test_latin_words_pass_through_beside_chinese():
    assert cjk_search_text("COPD 慢阻肺") == "COPD 慢 阻 肺 慢阻 阻肺"


def test_query_uses_bigrams_and_single_characters_stay_whole():
    assert cjk_search_query("高原病") == "高原 原病"
    assert cjk_search_query("肺") == "肺"
    assert cjk_search_query("  ") == ""


def test_every_query_bigram_is_in_the_text_it_was_taken_from():
    text = "急性高原病的识别与处置"
    indexed = set(cjk_search_text(text).split())
    for term in ("高原", "识别与处置", "急性", "处"):
        assert set(cjk_search_query(term).split()) <= indexed


def test_tibetan_syllables_are_split_at_the_tsheg():
    # "བོད་ལྗོངས" (Tibet): the tsheg (་) separates syllables.
    assert cjk_search_text("བོད་ལྗོངས།") == "བོད ལྗོངས"
    assert cjk_search_query("བོད་") == "བོད"
