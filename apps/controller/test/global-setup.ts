import { servicesSetup } from '../../../test/support/services.js';

export default servicesSetup(['etcd']);
