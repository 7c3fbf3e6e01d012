#include "core/pool.h"
#include "core/stats.h"
int f(struct ws_pool *p, struct ws_pkt **x){ ws_pool_put_bulk(p,x,4); return ws_pool_get_bulk(p,x,4);}
