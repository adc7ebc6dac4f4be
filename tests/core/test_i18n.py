"""zh-Hans is the default language; English only by explicit choice."""


def test_default_is_chinese_even_for_an_english_browser(client):
    """An English Accept-Language does not switch the UI: staff see zh-Hans unless they choose."""
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"


def test_english_when_chosen(client, settings):
    """The language switch (cookie) selects English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/accounts/login/")["Content-Language"] == "en"


def test_unknown_language_falls_back(client, settings):
    """An unsupported cookie value falls back to zh-Hans."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_task_and_process_statuses_are_chinese():
    """viewflow's statuses (pgettext context "STATUS", empty in its own zh_Hans catalogue)
    read in Chinese on every page that shows them."""
    from django.utils import translation
    from viewflow.workflow.status import PROCESS, STATUS

    with translation.override("zh-hans"):
        assert [str(label) for label in STATUS.labels] == [
            "已认领", "已取消", "已完成", "出错", "待办", "已恢复", "已排期", "办理中",
        ]  # fmt: skip
        assert str(PROCESS.NEW.label) == "待办"
    with translation.override("en"):
        assert str(STATUS.NEW.label) == "New"
