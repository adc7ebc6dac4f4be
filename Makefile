# Two commands a newcomer needs:  make demo   and   make test
# (see README.md). Everything else here is a building block.
SHELL := /bin/bash
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test bootstrap bootstrap-dev lint migrations-check typecheck pytest worker beat sandbox bench messages docs mutation

demo: bootstrap
	$(PY) scripts/run_demo.py --host $(HOST) --port $(PORT)

test: bootstrap-dev lint migrations-check typecheck pytest

bootstrap:
	scripts/bootstrap.sh runtime

bootstrap-dev:
	scripts/bootstrap.sh dev

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

migrations-check:
	$(PY) manage.py makemigrations --check --dry-run

# mypy + django-stubs on the modules listed in pyproject.toml [tool.mypy] files
typecheck:
	.venv/bin/mypy

# One xdist worker per core (what CI runs); the tests of one xdist_group (each of the two
# browser halves, real Celery worker, seed_demo, collectstatic) run one after another on one
# worker (tests/conftest.py), and every per-process resource is per worker: test database
# (pytest-django suffixes it), media folder, Celery queue, ports (0), cache keys. In file order;
# variants for a developer:
#   make pytest XDIST=                             one process
#   make pytest ORDER=--randomly-seed=random       pytest-randomly: a shuffled order, its seed
#       printed at the top (--randomly-seed=N repeats it); an order that fails is a bug to fix
XDIST ?= -n auto --dist loadgroup
ORDER ?= -p no:randomly
pytest:
	$(PY) -m pytest -q $(XDIST) $(ORDER) $(PYTEST_ARGS)

# Production-like processes (see docs/operations.md)
worker:
	.venv/bin/celery -A project worker -l INFO --concurrency 2

beat:
	.venv/bin/celery -A project beat -l INFO

bench:
	$(PY) -m bench $(BENCH_ARGS)

# Mutation testing (mutmut, issue 15 item 10; not part of CI, hours on 2 cores): each target
# mutates its modules and runs only its own tests, in a scratch copy under .mutation/.
#   make mutation                         every target (see scripts/mutation.py)
#   make mutation TARGETS="means_test"    some: means_test working_days deadlines sampling_draw funds separation
#   make mutation TARGETS=means_test MUTATION_ARGS="--sample 100 --seed 15"   a random sample
# Score and the survivors judged equivalent: docs/testing.md.
TARGETS ?=
mutation:
	$(PY) scripts/mutation.py $(MUTATION_ARGS) $(TARGETS)
# The flow diagrams of docs/flows/*.md, generated from the flow classes
# (tests/core/test_flow_docs.py fails when a committed one is stale).
docs:
	$(PY) manage.py flow_docs

# Translations: refresh the English catalogue from the (Chinese) source strings, then
# translate the new empty msgstr entries in locale/en/LC_MESSAGES/django.po and compile.
# tests/core/test_i18n.py fails while a source string has no English translation.
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=bench --ignore=tests --ignore=data --ignore=test-artifacts
messages:
	$(PY) manage.py makemessages -l en --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l en -l zh_Hans $(MESSAGES_IGNORE)
