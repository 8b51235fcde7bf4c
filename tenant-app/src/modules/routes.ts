import type { Router } from 'express';
import type { AppContext } from '../context';
import { activityRoutes } from './activities/activity.routes';
import { aiRoutes } from './ai/ai.routes';
import { billingRoutes } from './billing/billing.routes';
import { classRoutes } from './classes/class.routes';
import { enrollmentRoutes } from './enrollment/enrollment.routes';
import { fileRoutes } from './files/file.routes';
import { meRoutes } from './me/me.routes';
import { notificationRoutes } from './notifications/notification.routes';
import { parentRoutes } from './parents/parent.routes';
import { staffRoutes } from './staff/staff.routes';
import { studentRoutes } from './students/student.routes';
import { teacherRoutes } from './teachers/teacher.routes';
import { todoRoutes } from './todos/todo.routes';

/** Tenant-scoped route modules (mounted behind tenant resolution and authentication). */
export function tenantRouteModules(): Array<(ctx: AppContext) => Router> {
  return [
    meRoutes,
    classRoutes,
    teacherRoutes,
    studentRoutes,
    parentRoutes,
    enrollmentRoutes,
    activityRoutes,
    notificationRoutes,
    todoRoutes,
    fileRoutes,
    aiRoutes,
    staffRoutes,
    billingRoutes,
  ];
}
