/**
 * The plain collections of the tenant API as the staff app shows them (docs/request-path.md,
 * The API): list columns and form fields, mirroring the API's validation. Labels come from
 * i18n (`fields.<key>`, option values from `options.<key>.<value>`).
 */
export type FieldType = 'text' | 'textarea' | 'number' | 'date' | 'datetime' | 'select' | 'ref';

export interface Field {
  key: string;
  type: FieldType;
  required?: boolean;
  options?: readonly string[];
  /** For `ref`: the collection the id points to (shown by name). */
  ref?: string;
}

export interface ResourceConfig {
  path: string;
  /** Permission resource: `<resource>:read|write|delete`. */
  permission: string;
  columns: string[];
  fields: Field[];
  /** A side panel with related records. */
  detail?: 'class' | 'student';
  /** Default values of a new record. */
  defaults?: Record<string, unknown>;
}

const GRADES = ['nursery', 'small', 'middle', 'large', 'mixed'] as const;

export const RESOURCES: Record<string, ResourceConfig> = {
  classes: {
    path: '/api/classes',
    permission: 'classes',
    columns: ['name', 'grade', 'academicYear', 'capacity', 'room', 'status'],
    fields: [
      { key: 'name', type: 'text', required: true },
      { key: 'grade', type: 'select', options: GRADES, required: true },
      { key: 'academicYear', type: 'text', required: true },
      { key: 'capacity', type: 'number' },
      { key: 'room', type: 'text' },
      { key: 'description', type: 'textarea' },
    ],
    detail: 'class',
    defaults: { academicYear: `${new Date().getFullYear()}-${new Date().getFullYear() + 1}` },
  },
  teachers: {
    path: '/api/teachers',
    permission: 'teachers',
    columns: ['name', 'phone', 'title', 'status'],
    fields: [
      { key: 'name', type: 'text', required: true },
      { key: 'phone', type: 'text', required: true },
      { key: 'gender', type: 'select', options: ['male', 'female'] },
      { key: 'title', type: 'text' },
      { key: 'hireDate', type: 'date' },
      { key: 'status', type: 'select', options: ['active', 'on_leave', 'resigned'] },
    ],
  },
  students: {
    path: '/api/students',
    permission: 'students',
    columns: ['name', 'gender', 'birthDate', 'classId', 'status'],
    fields: [
      { key: 'name', type: 'text', required: true },
      { key: 'gender', type: 'select', options: ['male', 'female'], required: true },
      { key: 'birthDate', type: 'date', required: true },
      { key: 'classId', type: 'ref', ref: 'classes' },
      { key: 'allergies', type: 'text' },
      { key: 'remark', type: 'textarea' },
    ],
    detail: 'student',
  },
  parents: {
    path: '/api/parents',
    permission: 'parents',
    columns: ['name', 'phone', 'occupation', 'status'],
    fields: [
      { key: 'name', type: 'text', required: true },
      { key: 'phone', type: 'text', required: true },
      { key: 'email', type: 'text' },
      { key: 'occupation', type: 'text' },
      { key: 'address', type: 'text' },
    ],
  },
  notifications: {
    path: '/api/notifications',
    permission: 'notifications',
    columns: ['title', 'type', 'priority', 'status', 'publishedAt'],
    fields: [
      { key: 'title', type: 'text', required: true },
      { key: 'content', type: 'textarea', required: true },
      { key: 'type', type: 'select', options: ['announcement', 'notice', 'reminder', 'emergency', 'system'] },
      { key: 'priority', type: 'select', options: ['low', 'normal', 'high'] },
      { key: 'status', type: 'select', options: ['draft', 'published', 'withdrawn'] },
    ],
  },
  todos: {
    path: '/api/todos',
    permission: 'todos',
    columns: ['title', 'priority', 'status', 'dueAt'],
    fields: [
      { key: 'title', type: 'text', required: true },
      { key: 'description', type: 'textarea' },
      { key: 'priority', type: 'select', options: ['low', 'medium', 'high', 'urgent'] },
      { key: 'status', type: 'select', options: ['pending', 'in_progress', 'done', 'cancelled'] },
      { key: 'dueAt', type: 'datetime' },
    ],
  },
  activities: {
    path: '/api/activities',
    permission: 'activities',
    columns: ['title', 'type', 'startTime', 'capacity', 'registrationDeadline', 'status'],
    fields: [
      { key: 'title', type: 'text', required: true },
      { key: 'type', type: 'select', options: ['open_day', 'parent_child', 'festival', 'outdoor', 'lecture', 'performance', 'other'] },
      { key: 'location', type: 'text' },
      { key: 'startTime', type: 'datetime', required: true },
      { key: 'endTime', type: 'datetime', required: true },
      { key: 'capacity', type: 'number' },
      { key: 'registrationDeadline', type: 'datetime' },
      { key: 'status', type: 'select', options: ['draft', 'published', 'ongoing', 'finished', 'cancelled'] },
      { key: 'description', type: 'textarea' },
    ],
    defaults: { status: 'published' },
  },
  plans: {
    path: '/api/enrollment/plans',
    permission: 'enrollment',
    columns: ['title', 'year', 'term', 'startDate', 'endDate', 'status'],
    fields: [
      { key: 'title', type: 'text', required: true },
      { key: 'year', type: 'number', required: true },
      { key: 'term', type: 'select', options: ['spring', 'autumn'] },
      { key: 'targetCount', type: 'number' },
      { key: 'startDate', type: 'date', required: true },
      { key: 'endDate', type: 'date', required: true },
      { key: 'status', type: 'select', options: ['draft', 'active', 'closed', 'cancelled'] },
    ],
    defaults: { year: new Date().getFullYear(), status: 'active' },
  },
  applications: {
    path: '/api/enrollment/applications',
    permission: 'enrollment',
    columns: ['applicationNo', 'childName', 'childBirthDate', 'parentName', 'parentPhone', 'status'],
    fields: [
      { key: 'planId', type: 'ref', ref: 'plans', required: true },
      { key: 'childName', type: 'text', required: true },
      { key: 'childGender', type: 'select', options: ['male', 'female'], required: true },
      { key: 'childBirthDate', type: 'date', required: true },
      { key: 'desiredGrade', type: 'select', options: GRADES },
      { key: 'parentName', type: 'text', required: true },
      { key: 'parentPhone', type: 'text', required: true },
      { key: 'parentRelationship', type: 'select', options: ['father', 'mother', 'guardian', 'other'] },
    ],
  },
};
