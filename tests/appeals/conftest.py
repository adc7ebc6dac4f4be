from tests.dibao.conftest import approver_a2, fake_finance_check  # noqa: F401 - fixtures (refused dibao cases)
