# The two commands a newcomer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-deploy lint check-deploy setup setup-dev clean bench bench-smoke setup-bench

run: setup .env  ## Set up everything and serve the API on http://127.0.0.1:8000/
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput -v 0
	$(MANAGE) load_demo
	@echo ""
	@echo "  API:        http://$(HOST):$(PORT)/api/"
	@echo "  Swagger UI: http://$(HOST):$(PORT)/swagger/   (ReDoc: /redoc/, OpenAPI: /swagger.json)"
	@echo "  Admin:      http://$(HOST):$(PORT)/admin/   (staff login: admin / admin-pass-1234)"
	@echo "  Demo user:  demo / demo-pass-1234"
	@echo "  Voucher:    DEMO10 (10 % off; ticket types adult, child, senior, student)"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

test: setup-dev .env  ## Set up everything and run the whole test suite (DATABASE_URL picks the database)
	$(BIN)/pytest $(PYTEST_ARGS)

# nginx (deploy/nginx) in front of two app servers (deploy/systemd, deploy/gunicorn.conf.py) on loopback, one Redis,
# one PostgreSQL: DATABASE_URL must name a PostgreSQL server (a role with CREATEDB). Skipped without nginx,
# redis-server or PostgreSQL, except with CI=true.
test-deploy: setup-dev .env  ## The multi-machine deployment, tested on loopback (needs nginx, redis-server, PostgreSQL)
	$(BIN)/pytest deploy/tests $(PYTEST_ARGS)

lint: setup-dev .env  ## ruff, and no model change without its migration
	$(BIN)/ruff check .
	$(MANAGE) makemigrations --check --dry-run

check-deploy: setup .env  ## Django's deployment checklist with production-like settings
	DEBUG=False ALLOWED_HOSTS=api.example.com \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	$(MANAGE) check --deploy --fail-level WARNING

setup: $(VENV)/.installed-runtime
setup-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed-localstripe | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

# localstripe, the Stripe-compatible server the payment tests start, in a virtualenv of its own: its aiohttp
# stays out of the project's dependencies.
$(VENV)/.installed-localstripe: | $(BIN)/python
	$(PYTHON) -m venv $(VENV)/localstripe
	$(VENV)/localstripe/bin/pip install --quiet "localstripe>=1.15.10,<1.16"
	touch $@

# Written once, never overwritten: a fresh random SECRET_KEY and DEBUG on, for local development.
.env:
	sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" \
	    -e "s|^DEBUG=.*|DEBUG=True|" .env.example > .env
	@echo "Wrote .env (DEBUG on, fresh SECRET_KEY). Edit it to configure the project."

clean:  ## Remove the virtualenv, collected static files and caches (keeps .env and the database)
	rm -rf $(VENV) staticfiles var bench/var .pytest_cache .ruff_cache

bench: setup-bench  ## Flash-sale and read-path benchmarks on SQLite and a throwaway PostgreSQL (a few minutes)
	bench/run.sh $(BENCH_ARGS)

bench-smoke: setup-bench setup-dev .env  ## Seconds: the bench harness against a tiny show, to prove it still works
	$(BIN)/pytest bench/tests -q

setup-bench: $(VENV)/.installed-bench

$(VENV)/.installed-bench: requirements.txt bench/requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -r bench/requirements-bench.txt
	touch $@ $(VENV)/.installed-runtime
