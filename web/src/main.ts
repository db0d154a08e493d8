import './csp' // before anything defines a zod schema
import { mount } from 'svelte'
import AuthGate from './components/AuthGate.svelte'
import './app.css'

const target = document.getElementById('app')
if (!target) throw new Error('#app missing')
export default mount(AuthGate, { target })
