def pytest_configure(config):
    config.addinivalue_line("markers", "docker: builds the Dockerfile with buildah and runs the image (tests/docker)")
