#include "app/app.h"
int ws_cmd_budget(int argc, char **argv) { (void)argc; (void)argv; return 0; }
