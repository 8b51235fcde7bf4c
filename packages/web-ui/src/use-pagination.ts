import { reactive } from 'vue';

/** Server-side paging state for an el-pagination bound to a list endpoint. */
export function usePagination(pageSize = 20) {
  return reactive({ page: 1, pageSize, total: 0 });
}
