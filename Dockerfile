# Digit Lens: the Streamlit app on the bundled model, CPU only, as a non-root user.
# The steps mirror `make install` + `make run`; tests/test_deploy.py checks that they stay in step.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim

# CPU-only PyTorch wheels by default; pass --build-arg TORCH_INDEX=... for another index.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG TORCH_PINS="torch==2.14.1 torchvision==0.29.1"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DIGIT_LENS_ASSETS=/app/assets \
    DIGIT_LENS_DATA=/home/lens/.cache/digit-lens

RUN useradd --create-home --uid 10001 lens
WORKDIR /app

COPY pyproject.toml README.md ./
COPY app ./app
COPY model ./model
COPY explain ./explain
COPY assets ./assets
COPY .streamlit ./.streamlit

# The last step fills numba's on-disk cache for umap-learn (explain/atlas/projection.py compile_umap), as
# `make install` does: the Map page's first UMAP fit does not compile it again in every container.
# hadolint ignore=DL3013
RUN pip install --index-url "${TORCH_INDEX}" ${TORCH_PINS} \
 && pip install . \
 && python -c 'from explain.atlas.projection import compile_umap; compile_umap()'

USER 10001
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
CMD ["digit-lens", "--server.address", "0.0.0.0", "--server.port", "8501"]
