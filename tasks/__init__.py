"""The pipeline's stages. Their hot modules run compiled when `make setup` compiled them (tasks/common/compiled.py)."""
from tasks.common.compiled import use_compiled

use_compiled()
