import { servicesSetup } from './services.js';

export default servicesSetup(['etcd', 'kafka', 'search', 'postgres']);
