import pytest

from relvec import TEMPLATES, RelvecError, Template


def test_paper_templates_render_with_the_tokenizers_mask_token():
    template = Template.from_name_or_text("a")
    assert template.render(("paris", "france"), "[MASK]") == (
        "Today, I finally discovered the relation between paris and france : paris is the [MASK] of france"
    )
    assert Template.from_name_or_text("d").render(("cat", "animal"), "<mask>") == (
        "I wasn’t aware of this relationship, but I just read in the encyclopedia that cat is the <mask> of animal"
    )
    assert Template.from_name_or_text("e").render(("x", "y"), "M").endswith("that y is x’s M")


def test_five_templates_by_name_and_d_is_default():
    from relvec.embedding.prompt import DEFAULT_TEMPLATE

    assert sorted(TEMPLATES) == ["a", "b", "c", "d", "e"]
    assert DEFAULT_TEMPLATE == "d"
    assert all(Template.from_name_or_text(name).name == name for name in TEMPLATES)


def test_custom_template():
    template = Template.from_name_or_text("<subj> relates to <obj> as <mask>")
    assert template.name is None
    assert template.render(("a", "b"), "[MASK]") == "a relates to b as [MASK]"


def test_words_that_look_like_slots_are_not_substituted():
    rendered = Template("<subj> / <obj> / <mask>").render(("<obj>", "<mask>"), "[MASK]")
    assert rendered == "<obj> / <mask> / [MASK]"


@pytest.mark.parametrize(
    "text",
    ["<subj> and <obj>", "<subj> <mask>", "<obj> <mask>", "<subj> <obj> <mask> <mask>", "f", "", "average"],
)
def test_template_without_its_slots_is_rejected(text):
    with pytest.raises(RelvecError, match="template must be one of the names a, b, c, d, e or a string"):
        Template.from_name_or_text(text)


def test_template_that_is_not_a_string_is_rejected():
    with pytest.raises(RelvecError, match="template must be"):
        Template.from_name_or_text(3)
