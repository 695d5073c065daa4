pytest_plugins = ["local.pytest_plugin"]
